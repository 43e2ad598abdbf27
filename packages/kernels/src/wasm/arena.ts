/**
 * The host-owned arena in wasm linear memory: a bump allocator with stack-style marks.
 *
 * Kernels never allocate; the host carves their inputs, outputs and scratch out of this arena, calls the kernel and
 * releases back to a mark. `memory.grow` detaches every typed-array view of `memory.buffer`, so views are created
 * fresh by `f64()`/`i32()`/`u32()` after all allocations of a call, and never held across a call that may grow.
 */
export class Arena {
  private top: number;
  private count = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly base: number,
  ) {
    this.top = align(base, 16);
  }

  /** Bytes currently handed out. */
  get used(): number {
    return this.top - this.base;
  }

  /** Allocations made so far: a holder of bytes above `mark()` (released, not reserved) knows they are untouched while this is unchanged. */
  get allocations(): number {
    return this.count;
  }

  /** Reserves `bytes` (16-byte aligned for SIMD loads), growing the memory when needed. Returns the pointer. */
  alloc(bytes: number): number {
    this.count++;
    const ptr = align(this.top, 16);
    const end = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / 65536);
      try {
        this.memory.grow(pages);
      } catch (cause) {
        throw new RangeError(`wasm arena: cannot grow memory by ${pages} pages to ${end} bytes`, { cause });
      }
    }
    this.top = end;
    return ptr;
  }

  allocF64(count: number): number {
    return this.alloc(count * 8);
  }

  allocI32(count: number): number {
    return this.alloc(count * 4);
  }

  /** The current top, to return to with `release` (stack discipline). */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** Copies `src` into a fresh allocation; returns its pointer. */
  putF64(src: Float64Array): number {
    const ptr = this.allocF64(src.length);
    new Float64Array(this.memory.buffer, ptr, src.length).set(src);
    return ptr;
  }

  putI32(src: Int32Array): number {
    const ptr = this.allocI32(src.length);
    new Int32Array(this.memory.buffer, ptr, src.length).set(src);
    return ptr;
  }

  putU32(src: Uint32Array): number {
    const ptr = this.allocI32(src.length);
    new Uint32Array(this.memory.buffer, ptr, src.length).set(src);
    return ptr;
  }

  /** A view valid until the next allocation that grows memory. */
  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, length);
  }
}

function align(x: number, to: number): number {
  return (x + to - 1) & ~(to - 1);
}
