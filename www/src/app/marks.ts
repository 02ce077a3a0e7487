// What changed since the previous, different, image: the Dockerfile lines, the layers and the
// hashes to mark. The same image again keeps the marks it had.

import type { Layer } from "@apothic/image";
import type { Evaluation } from "../core/engine.ts";
import { changedLines } from "../ui/highlight.ts";

export interface Marks {
  lines: Set<number>;
  layers: Map<number, "changed" | "rebuilt" | "same">;
  hashes: Set<string>;
}

/** The result the marks compare against (the previous different image). */
let baseline: { key: string; lines: string[] | null; layers: Layer[]; steps: string[] } | null = null;
let marks: Marks = { lines: new Set(), layers: new Map(), hashes: new Set() };

/** The marks for `ev` (none for the first image: there is nothing to compare with). */
export function marksFor(ev: Evaluation): Marks {
  const key = `${ev.definitionHash}|${ev.resolution?.imageHash ?? ""}|${ev.resolution?.specHash ?? ""}|${ev.dockerfile ?? ""}`;
  const lines = ev.dockerfile === null ? null : splitLines(ev.dockerfile);
  const layers = ev.resolution?.layers ?? [];
  const stepKeys = layers.map((l) => layerKey(ev, l));
  if (!baseline || baseline.key !== key) {
    if (baseline) {
      marks = {
        lines: lines ? changedLines(baseline.lines, lines) : new Set(),
        layers: new Map(
          layers.map((l, i) => {
            const prev = baseline!.layers[i];
            if (prev && prev.hash === l.hash) return [i, "same"];
            if (prev && baseline!.steps[i] === stepKeys[i]) return [i, "rebuilt"];
            return [i, "changed"];
          }),
        ),
        hashes: new Set(
          [
            ["definition", ev.definitionHash, baseline.key.split("|")[0]],
            ["image", ev.resolution?.imageHash ?? "", baseline.key.split("|")[1]],
            ["spec", ev.resolution?.specHash ?? "", baseline.key.split("|")[2]],
          ]
            .filter(([, a, b]) => a !== b)
            .map(([k]) => k),
        ),
      };
    } else marks = { lines: new Set(), layers: new Map(), hashes: new Set() };
    baseline = { key, lines, layers, steps: stepKeys };
  }
  return marks;
}

function layerKey(ev: Evaluation, l: Layer): string {
  const step = l.step === null ? ev.spec.base : ev.spec.steps?.[l.step];
  return JSON.stringify([step, l.inputs]);
}

function splitLines(text: string): string[] {
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}
