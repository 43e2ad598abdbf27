// Books in Offset JSON, validated at the edge; instruments parsed into resolved instruments.
import * as z from "zod";
import { type Instrument, parseInstrument } from "./instruments.js";
import { parseWith } from "./validate.js";

const finiteNumber = (what = "a finite number") => z.number({ message: what });
const positiveNumber = (what = "a finite number > 0") => z.number({ message: what }).positive({ message: what });

const bookSchema = z.strictObject({
  positions: z.array(
    z.strictObject({
      instrument: z.string({ message: "an instrument name like BTC-28MAR25-100000-C" }),
      /** signed, in units of the underlying (a short is negative) */
      quantity: finiteNumber("a finite signed quantity in units of the underlying"),
      /** average entry price per unit, in the instrument's price currency (coin for inverse options, USD otherwise) */
      entryPrice: positiveNumber("an entry price > 0 in the instrument's price currency").optional(),
    }),
    { message: "an array of positions" },
  ),
  collateral: z.record(z.string(), finiteNumber("a finite balance"), { message: "balances by asset" }).default({}),
});

export type BookInput = z.input<typeof bookSchema>;

export interface Position {
  instrument: Instrument;
  quantity: number;
  entryPrice?: number;
}

export interface Book {
  positions: Position[];
  collateral: Record<string, number>;
}

export function parseBook(input: unknown): Book {
  const b = parseWith(bookSchema, input, "book");
  return {
    positions: b.positions.map((p, i) => ({
      instrument: parseInstrument(p.instrument, `book.positions[${i}].instrument`),
      quantity: p.quantity,
      ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }),
    })),
    collateral: b.collateral,
  };
}
