// The page's line to the evaluator (src/evaluator.worker.ts, a Web Worker): it posts messages, pairs the answers to
// spec, context and diff requests with their request, and hands every other message to one listener.

import type { FromEvaluator, ToEvaluator } from "../protocol.ts";

type Request = { type: "spec"; text: string } | { type: "context"; code: string } | { type: "diff"; before: string; after: string };
type Answer<R extends Request> = Extract<FromEvaluator, { type: R["type"] }>;
/** The messages that are not an answer to a request. */
export type Report = Exclude<FromEvaluator, { type: Request["type"] }>;

const evaluator = new Worker(new URL("../evaluator.worker.ts", import.meta.url), { type: "module" });
const waiters = new Map<number, (m: FromEvaluator) => void>();
/** Requests (spec, context, diff) count separately from evaluations. */
let reqSeq = 0;

/** Posts a message to the evaluator. */
export function send(m: ToEvaluator) {
  evaluator.postMessage(m);
}

/** Sends a spec, context or diff request; resolves with the evaluator's answer to it. */
export function request<R extends Request>(m: R): Promise<Answer<R>> {
  const seq = ++reqSeq;
  return new Promise((resolve) => {
    waiters.set(seq, resolve as (m: FromEvaluator) => void);
    send({ ...m, seq } as ToEvaluator);
  });
}

/** Hands the evaluator's reports to `report`, and a crash of the evaluator to `failed`. */
export function listen(report: (m: Report) => void, failed: (e: ErrorEvent) => void) {
  evaluator.onmessage = (event: MessageEvent<FromEvaluator>) => {
    const m = event.data;
    if (m.type === "spec" || m.type === "context" || m.type === "diff") {
      waiters.get(m.seq)?.(m);
      waiters.delete(m.seq);
    } else report(m);
  };
  evaluator.onerror = failed;
}
