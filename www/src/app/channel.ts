// The page's line to the rendering worker (src/worker.ts): it posts messages, pairs the answers to
// spec and context requests with their request, and hands every other message to one listener.

import type { FromWorker, ToWorker } from "../protocol.ts";

type Request = { type: "spec"; text: string } | { type: "context"; code: string };
type Answer<R extends Request> = Extract<FromWorker, { type: R["type"] }>;
/** The messages that are not an answer to a request. */
export type Report = Exclude<FromWorker, { type: Request["type"] }>;

const worker = new Worker(new URL("../worker.ts", import.meta.url), { type: "module" });
const waiters = new Map<number, (m: FromWorker) => void>();
/** Requests (spec, context) count separately from evaluations. */
let reqSeq = 0;

/** Posts a message to the worker. */
export function send(m: ToWorker) {
  worker.postMessage(m);
}

/** Sends a spec or context request; resolves with the worker's answer to it. */
export function request<R extends Request>(m: R): Promise<Answer<R>> {
  const seq = ++reqSeq;
  return new Promise((resolve) => {
    waiters.set(seq, resolve as (m: FromWorker) => void);
    send({ ...m, seq } as ToWorker);
  });
}

/** Hands the worker's reports to `report`, and a crash of the worker to `failed`. */
export function listen(report: (m: Report) => void, failed: (e: ErrorEvent) => void) {
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const m = event.data;
    if (m.type === "spec" || m.type === "context") {
      waiters.get(m.seq)?.(m);
      waiters.delete(m.seq);
    } else report(m);
  };
  worker.onerror = failed;
}
