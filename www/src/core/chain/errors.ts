// The TypeScript view's errors: the problem a caller sees (a code, a message and the range of the
// code it concerns), and the exception the tokenizer, the parser and the mapping throw to report one.

/** A problem in the code, with the range it concerns (offsets into the text). */
export interface CodeError {
  from: number;
  to: number;
  message: string;
  code: string;
}

/** Thrown while reading the code: becomes a CodeError (TS_SYNTAX unless a code is given). */
export class ParseError extends Error {
  constructor(
    message: string,
    readonly from: number,
    readonly to: number,
    readonly code = "TS_SYNTAX",
  ) {
    super(message);
  }
}
