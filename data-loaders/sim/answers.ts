// The text a simulated model answers with. Everything is a pure function of the simulator seed,
// the profile, the request content, the request seed and the temperature (never of timing).
//
// Candidate-evaluation prompts (see experiment/candidate-profiles.ts) get a JSON evaluation. Its
// recommendation is right against the ground truth at the profile's rate: the simulator reads the
// facts the prompt states and applies the generator's rule (`recommendationFor`), then answers
// that class with probability `answers.correct`, else a neighbouring class (more lenient with
// probability `answers.lenient`). The draw depends on the model and the prompt (so a model is
// consistent with itself at temperature 0, and models mostly but not always agree), and at
// temperature > 0 partly on the request's sampling seed. Profiles add their own defects (prose,
// ```json fences, missing fields, misspelt or invented enum values, rambling) and thinking
// (<think> block or reasoning field). With a JSON schema (response_format json_schema) the answer
// is valid JSON for that schema. The judge profile grades instead (judge.ts). Other prompts get
// deterministic filler prose.
import {
  CANDIDATE_DIMENSIONS,
  CANDIDATE_INSTRUCTION,
  RECOMMENDATIONS,
  readCandidateFacts,
  recommendationFor,
  type Recommendation,
} from "../experiment/candidate-profiles.ts";
import { rngFor, type Rng } from "../random.ts";
import { schemaInstance } from "./json-schema-instance.ts";
import { isJudgeRequest, judgeAnswer } from "./judge.ts";
import { countTokens } from "./tokenizer.ts";
import type { SimProfile } from "./profiles.ts";

export interface AnswerRequest {
  profile: SimProfile;
  simSeed: number;
  /** The prompt text (all chat messages joined, or the completions prompt). */
  content: string;
  temperature: number;
  requestSeed: number | undefined;
  /** JSON schema from response_format, when structured output was requested. */
  jsonSchema: unknown;
  /** chat_template_kwargs.enable_thinking (default true). */
  enableThinking: boolean;
  /**
   * Which of the request's `n` choices this is (default 0). vLLM samples each choice on its own
   * (with seed + index when a seed is given), so at temperature > 0 the choices differ.
   */
  choice?: number;
}

export interface Answer {
  /** Text for the `reasoning` field (empty unless the profile uses a reasoning parser). */
  reasoning: string;
  content: string;
  /** Set when the model calls a tool: `content` is then the call's arguments (a JSON text). */
  toolName?: string;
}

/**
 * A call of the tool `name`: its arguments are a value valid for the tool's `parameters`
 * schema, drawn like any other answer (a function of the seeds and the request).
 */
export function toolCallAnswer(req: AnswerRequest, name: string, parameters: unknown): Answer {
  const seed = req.temperature > 0 ? (req.requestSeed ?? "none") : "greedy";
  const rng = rngFor(req.simSeed, req.profile.model, req.content, seed, "tool", name, req.choice ?? 0);
  return { reasoning: "", content: JSON.stringify(schemaInstance(parameters, undefined, rng, PROSE)), toolName: name };
}

export function composeAnswer(req: AnswerRequest): Answer {
  const choice = req.choice ?? 0;
  const seed = req.requestSeed === undefined ? `none${choice > 0 ? `/${choice}` : ""}` : req.requestSeed + choice;
  const sampling = req.temperature > 0 ? `seed:${seed}` : "greedy";
  const rng = rngFor(req.simSeed, req.profile.model, req.content, req.temperature, sampling);
  if (req.profile.judge && isJudgeRequest(req.content)) return judgeAnswer(req.profile.judge, req.content, rng);
  if (!req.content.includes(CANDIDATE_INSTRUCTION)) {
    if (req.jsonSchema !== undefined)
      return { reasoning: "", content: JSON.stringify(schemaInstance(req.jsonSchema, undefined, rng, PROSE), null, 2) };
    return { reasoning: "", content: prose(rng, lengthAround(req.profile.answers.proseTokens, rng)) };
  }
  return candidateAnswer(req, rng);
}

function lengthAround(mean: number, rng: Rng): number {
  return Math.max(8, Math.round(mean * (0.75 + 0.5 * rng.next())));
}

// ---------------------------------------------------------------------------------------------
// Candidate evaluation

interface Candidate {
  name: string;
  role: string;
  years: number;
  required: string[];
  matched: string[];
  missing: string[];
  leadership: boolean;
  feedback: number;
  /** The ground truth, by the generator's rule. */
  truth: Recommendation;
}

function readCandidate(text: string): Candidate {
  const facts = readCandidateFacts(text) ?? { role: "", required: [], skills: [], years: 3 };
  const skills = new Set(facts.skills.map((s) => s.toLowerCase()));
  const matched = facts.required.filter((s) => skills.has(s.toLowerCase()));
  const missing = facts.required.filter((s) => !skills.has(s.toLowerCase()));
  let feedback = 0.5;
  if (/phone screen went (well|very well)/.test(text)) feedback += 0.25;
  if (/phone screen went poorly|not submitted/.test(text)) feedback -= 0.35;
  if (/complete and well tested|strong debugging|clear explanations/.test(text)) feedback += 0.2;
  return {
    name: /^Candidate: (.*)$/m.exec(text)?.[1] ?? "The candidate",
    role: facts.role || "the role",
    years: facts.years,
    required: facts.required,
    matched,
    missing,
    leadership: /led a team|mentored|Team Lead/.test(text),
    feedback,
    truth: recommendationFor(facts),
  };
}

/**
 * The truth with probability `correct`, else a neighbouring class. The draws depend on the model
 * and the prompt; at temperature T > 0 a share min(1, T/4) of them come from the sampling rng.
 */
function recommend(c: Candidate, req: AnswerRequest, rng: Rng): Recommendation {
  const opinion = rngFor("opinion", req.profile.model, req.content);
  const resample = req.temperature > 0 && rng.chance(Math.min(1, req.temperature / 4));
  const draw = resample ? rng : opinion;
  if (draw.next() < req.profile.answers.correct) return c.truth;
  const i = RECOMMENDATIONS.indexOf(c.truth);
  const lenient = i === RECOMMENDATIONS.length - 1 || (i > 0 && draw.next() < req.profile.answers.lenient);
  return RECOMMENDATIONS[lenient ? i - 1 : i + 1]!;
}

/** A recommendation outside the enum: the class misspelt ("Strong Yes") or a word of the model's own. */
const OFF_ENUM: Record<Recommendation, string[]> = {
  strong_yes: ["Strong Yes", "strong yes", "hire"],
  yes: ["Yes", "recommended", "hire"],
  maybe: ["Maybe", "borderline"],
  no: ["No", "reject", "not recommended"],
};

const clampScore = (x: number): number => Math.max(1, Math.min(5, Math.round(x)));

function firstComments(c: Candidate, rng: Rng): Record<string, { score: number; comment: string }> {
  const overlap = c.required.length > 0 ? c.matched.length / c.required.length : 0.5;
  return {
    technical_skills: {
      score: clampScore(1 + 4 * overlap),
      comment: `Has ${c.matched.length} of ${c.required.length} required skills.`,
    },
    experience: {
      score: clampScore(1 + c.years / 4),
      comment: `${c.years} years, ${c.years >= 8 ? "senior level" : c.years >= 3 ? "mid level" : "limited for this role"}.`,
    },
    communication: {
      score: clampScore(3 + (c.feedback - 0.5) * 3 + rng.next() - 0.5),
      comment: c.feedback >= 0.6 ? "Clear and structured." : "Mixed evidence.",
    },
    leadership: {
      score: c.leadership ? 4 : 2,
      comment: c.leadership ? "Has led or mentored engineers." : "No clear leadership evidence.",
    },
    culture_fit: { score: clampScore(3 + rng.next() * 1.5 - 0.5), comment: "Seems compatible with the team." },
  };
}

const REASONING_EXTRA = [
  "Some of the reported impact would need to be verified in a technical interview.",
  "The profile is consistent across positions, which makes the claims more credible.",
  "A structured system design interview should probe the depth of the listed skills.",
  "References from the most recent employer would help confirm the ownership described.",
  "The missing skills are learnable, but they would slow down the first months.",
  "The candidate's trajectory shows steady growth in responsibility over time.",
  "Nothing in the profile is disqualifying on its own, but the evidence is uneven.",
];
const COMMENT_EXTRA = [
  "This should be confirmed with concrete examples.",
  "The evidence comes mostly from self-reported achievements.",
  "It is in line with what the role needs in the first year.",
  "A follow-up question in the interview would clarify this point.",
  "Compared with typical applicants this is about average.",
];
const THINK = [
  "Okay, let me look at this candidate carefully.",
  "The role needs specific skills, so I should compare them one by one.",
  "Let me count how many required skills actually appear in the profile.",
  "Hmm, the years of experience matter, but recent relevant work matters more.",
  "Wait, I should also check the interview feedback and the notes.",
  "Leadership evidence is a plus but not required for this position.",
  "I need to keep the scores consistent with the recommendation.",
  "Let me make sure the JSON has all five dimensions.",
];

/**
 * Grows a text until it has about `target` tokens. `grow` adds a piece of text and returns
 * it; the count is kept incrementally (exact counting after every step would be quadratic).
 */
function buildToLength(target: number, render: () => string, grow: (step: number) => string): string {
  let estimate = countTokens(render());
  for (let step = 0; estimate < target && step < 400; step++) estimate += countTokens(grow(step));
  return render();
}

function candidateAnswer(req: AnswerRequest, rng: Rng): Answer {
  const style = req.profile.answers;
  const c = readCandidate(req.content);
  const recommendation = recommend(c, req, rng);
  const structured = req.jsonSchema !== undefined;
  // Structured output constrains the whole text, so an inline <think> block cannot happen;
  // a reasoning parser still lets the model think in the separate `reasoning` field.
  const thinking = !req.enableThinking || (structured && style.thinking === "think-inline") ? "none" : style.thinking;
  const thinkTarget = thinking === "none" ? 0 : lengthAround(style.thinkTokens, rng);
  // Mean answer length (EOS excluded) so that mean completion tokens ≈ candidateTokens.
  const answerMean =
    (style.candidateTokens - 1 - (thinking === "none" ? 0 : style.thinkTokens)) / (1 + 2 * style.overlong);
  const defect = pickDefect(style, structured, rng);
  const target = lengthAround(answerMean, rng) * (defect === "overlong" ? 3 : 1);

  const allComments = firstComments(c, rng);
  const dims = CANDIDATE_DIMENSIONS.slice(0, style.dimensions);
  const analysis = Object.fromEntries(dims.map((d) => [d, allComments[d]!]));
  const reasoningParts = [
    `${c.name} has ${c.years} years of experience and ${c.matched.length} of ${c.required.length} required skills.`,
  ];
  const reasoningExtra = [
    ...(c.missing.length > 0 ? [`Missing skills include ${c.missing.slice(0, 3).join(", ")}.`] : []),
    `For the ${c.role} position this points to a ${recommendation.replace("_", " ")}.`,
    ...REASONING_EXTRA,
  ];
  const answer: Record<string, unknown> = {
    recommendation: defect === "wrongEnum" ? rng.pick(OFF_ENUM[recommendation]) : recommendation,
    reasoning: "",
    analysis,
  };
  const grow = (step: number): string => {
    const slot = step % (dims.length + 1);
    const added =
      slot === 0 ? reasoningExtra[((step / (dims.length + 1)) % reasoningExtra.length) | 0]! : rng.pick(COMMENT_EXTRA);
    if (slot === 0) reasoningParts.push(added);
    else analysis[dims[slot - 1]!]!.comment += " " + added;
    return " " + added;
  };
  const renderJson = (): string => {
    answer.reasoning = reasoningParts.join(" ");
    return JSON.stringify(answer, null, style.indent);
  };
  const renderProse = (): string => {
    const lines = [`**Recommendation:** ${recommendation.replace("_", " ")}`, "", reasoningParts.join(" "), ""];
    for (const [dim, v] of Object.entries(analysis))
      lines.push(`- **${dim.replace("_", " ")}** (${v.score}/5): ${v.comment}`);
    return lines.join("\n");
  };
  let text: string;
  if (structured) {
    text = buildToLength(target, renderJson, grow);
    text = JSON.stringify(schemaInstance(req.jsonSchema, JSON.parse(text), rng, PROSE), null, style.indent);
  } else if (defect === "prose") {
    text = buildToLength(target, renderProse, grow);
  } else {
    if (defect === "missingField") {
      const drop = rng.chance(0.5) ? "reasoning" : "analysis";
      const base = renderJson;
      text = buildToLength(
        target,
        () => {
          base();
          const copy = { ...answer };
          delete copy[drop];
          return JSON.stringify(copy, null, style.indent);
        },
        grow,
      );
    } else {
      text = buildToLength(target, renderJson, grow);
    }
    if (defect === "fenced") text = "```json\n" + text + "\n```";
  }

  return withThinking(thinking, thinkTarget, recommendation, text);
}

type Defect = "none" | "prose" | "fenced" | "missingField" | "wrongEnum" | "overlong";

/** One format defect or none, at the profile's rates (never under structured output). */
function pickDefect(style: SimProfile["answers"], structured: boolean, rng: Rng): Defect {
  const roll = rng.next();
  if (structured) return "none";
  let acc = 0;
  const rates = [
    ["prose", style.prose],
    ["fenced", style.fenced],
    ["missingField", style.missingField],
    ["wrongEnum", style.wrongEnum],
    ["overlong", style.overlong],
  ] as const;
  return rates.find(([, p]) => roll < (acc += p))?.[0] ?? "none";
}

/** The answer text with the profile's thinking before it: none, an inline <think> block, or the reasoning field. */
function withThinking(
  thinking: SimProfile["answers"]["thinking"],
  target: number,
  recommendation: Recommendation,
  text: string,
): Answer {
  if (thinking === "none") return { reasoning: "", content: text };
  const thoughts: string[] = [];
  const think = buildToLength(
    target,
    () => thoughts.join(" "),
    (step) => {
      const thought =
        step === 3 ? `So the recommendation should probably be ${recommendation}.` : THINK[step % THINK.length]!;
      thoughts.push(thought);
      return " " + thought;
    },
  );
  if (thinking === "reasoning-field") return { reasoning: "\n" + think + "\n", content: "\n\n" + text };
  return { reasoning: "", content: `<think>\n${think}\n</think>\n\n${text}` };
}

// ---------------------------------------------------------------------------------------------
// Other prompts and generic JSON

const PROSE = [
  "Here is a short overview of the topic.",
  "The main idea is to break the problem into smaller parts and handle each one separately.",
  "In practice, the details depend on the constraints of your environment.",
  "A common approach is to start with a simple version and measure before optimizing.",
  "It is also worth considering how the solution behaves when inputs are unusually large.",
  "Documentation and tests make later changes much safer.",
  "If you share more context, I can give a more specific answer.",
  "Several trade-offs are involved, mainly between speed, cost and simplicity.",
  "For most cases the default settings are a reasonable starting point.",
];

/**
 * What a model writes after its answer when it may not stop yet (`min_tokens`, `ignore_eos`):
 * filler prose of at least `tokens` tokens, a function of `key` alone.
 */
export function continuationText(key: string, tokens: number): string {
  return " " + prose(rngFor("continuation", key), tokens);
}

function prose(rng: Rng, target: number): string {
  const sentences: string[] = [];
  return buildToLength(
    target,
    () => sentences.join(" "),
    () => {
      const sentence = rng.pick(PROSE);
      sentences.push(sentence);
      return " " + sentence;
    },
  );
}
