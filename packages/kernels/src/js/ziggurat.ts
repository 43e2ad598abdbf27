/** The Ziggurat table shared bit for bit by both backends (the wasm core receives a copy at load). TODO */
export const ZIGGURAT_TABLE: Float64Array = new Float64Array(0);
