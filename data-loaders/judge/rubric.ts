// Judge rubric templates: the prompt an LLM judge receives, with {{prompt}}, {{answer}} and
// {{expected}} (pairwise: {{answer_a}} and {{answer_b}}) filled in.
//
// Each value is inserted between tags of its own name (<prompt>…</prompt>, <answer>…</answer>)
// so the judge can tell the parts apart. The values are untrusted text (model answers above all):
// a tag of ours inside a value has its "<" written as "&lt;", so an answer cannot close its own
// block and pose as the rubric or as another part. The judge's prompt is the rendered rubric
// followed by the verdict instruction of its scale (judge/verdict.ts).
import { verdictInstruction, type JudgeScale } from "./verdict.ts";

/** Placeholders of a rubric that grades one answer; {{answer}} is required. */
export const RUBRIC_PLACEHOLDERS = ["prompt", "answer", "expected"] as const;
/** Placeholders of a rubric that compares two answers; {{answer_a}} and {{answer_b}} are required. */
export const PAIRWISE_PLACEHOLDERS = ["prompt", "answer_a", "answer_b", "expected"] as const;

export type RubricKind = "single" | "pairwise";

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]*)\s*\}\}/g;
const TAGS = [...new Set<string>([...RUBRIC_PLACEHOLDERS, ...PAIRWISE_PLACEHOLDERS])];
const OUR_TAG = new RegExp(`<(/?)(${TAGS.join("|")})>`, "gi");

const known = (kind: RubricKind): readonly string[] =>
  kind === "single" ? RUBRIC_PLACEHOLDERS : PAIRWISE_PLACEHOLDERS;
const required = (kind: RubricKind): string[] => (kind === "single" ? ["answer"] : ["answer_a", "answer_b"]);

/** The placeholders a template uses, in order of first use. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** What is wrong with a template (empty when it is usable): unknown placeholders, required ones missing. */
export function rubricProblems(template: string, kind: RubricKind = "single"): string[] {
  const used = placeholdersOf(template);
  const problems: string[] = [];
  for (const name of used) {
    if (!known(kind).includes(name)) {
      problems.push(
        `unknown placeholder {{${name}}} (use ${known(kind)
          .map((p) => `{{${p}}}`)
          .join(", ")})`,
      );
    }
  }
  for (const name of required(kind)) {
    if (!used.includes(name)) problems.push(`the rubric has no {{${name}}}: the judge has to see the answer it grades`);
  }
  return problems;
}

/** A value between tags of its name, with any tag of ours inside it made inert. */
export function tagged(name: string, value: string): string {
  return `<${name}>\n${value.replace(OUR_TAG, "&lt;$1$2>")}\n</${name}>`;
}

/** The text of the first <name>…</name> block, or null (the inverse of `tagged`, for readers of a rendered rubric). */
export function readTagged(text: string, name: string): string | null {
  const m = new RegExp(`<${name}>\\n([\\s\\S]*?)\\n</${name}>`).exec(text);
  return m ? m[1]! : null;
}

export interface RubricValues {
  prompt: string;
  answer: string;
  /** The prompt's expected answer; required when the template uses {{expected}}. */
  expected?: unknown;
}

export interface PairwiseValues {
  prompt: string;
  /** The answer shown first (position A) and second (position B). */
  answerA: string;
  answerB: string;
  expected?: unknown;
}

function render(template: string, kind: RubricKind, values: Record<string, string | undefined>): string {
  const problems = rubricProblems(template, kind);
  if (problems.length > 0) throw new Error(`rubric: ${problems.join("; ")}`);
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`rubric uses {{${name}}} but no ${name} was given`);
    return tagged(name, value);
  });
}

const expectedText = (expected: unknown): string | undefined =>
  expected === undefined ? undefined : JSON.stringify(expected);

/** A single-answer rubric with its values filled in. Throws on a bad template or a missing value. */
export function renderRubric(template: string, values: RubricValues): string {
  return render(template, "single", {
    prompt: values.prompt,
    answer: values.answer,
    expected: expectedText(values.expected),
  });
}

/** A pairwise rubric with its values filled in. Throws on a bad template or a missing value. */
export function renderPairwiseRubric(template: string, values: PairwiseValues): string {
  return render(template, "pairwise", {
    prompt: values.prompt,
    answer_a: values.answerA,
    answer_b: values.answerB,
    expected: expectedText(values.expected),
  });
}

/** The whole prompt a judge receives for one answer: the rendered rubric and the verdict instruction. */
export function judgePrompt(template: string, scale: JudgeScale, values: RubricValues): string {
  return `${renderRubric(template, values)}\n\n${verdictInstruction(scale)}`;
}

/** The whole prompt a judge receives for two answers. */
export function pairwiseJudgePrompt(template: string, values: PairwiseValues): string {
  return `${renderPairwiseRubric(template, values)}\n\n${verdictInstruction("pairwise")}`;
}
