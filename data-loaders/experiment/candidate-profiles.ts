// Synthetic candidate profiles for the candidate-evaluation workload. Every person, company and
// school is invented by combining seeded word lists; no real people are described.
// "short" prompts are about 300 prompt tokens (the Llama 3.2 1B study), "detailed" ones about
// 790 (the Gemma 3 / Qwen 3 studies), as counted by the simulator's tokenizer.
//
// Every generated prompt carries its ground truth, `expected: { recommendation }`: the
// recommendation a careful recruiter gives, from the facts the prompt states (`recommendationFor`).
// Coverage = share of the required skills that the candidate's skills name (case-insensitive).
// The role is senior when its title has the word Senior, Staff, Principal or Lead; the minimum
// experience is then 5 years, otherwise 2. First match wins:
//   strong_yes  coverage ≥ 0.75 and years ≥ minimum + 3
//   yes         coverage ≥ 0.6  and years ≥ minimum
//   maybe       coverage ≥ 0.3  and years ≥ minimum − 2
//   no          otherwise
// The simulator reads the same facts back from the prompt text it receives
// (`readCandidateFacts`) and applies the same rule, so its answers are right or wrong against the
// truth the scoring sees.
import { z } from "zod";
import { rngFor, type Rng } from "../random.ts";
import type { CheckInput } from "./schema.ts";

export const CANDIDATE_DIMENSIONS = [
  "technical_skills",
  "experience",
  "communication",
  "leadership",
  "culture_fit",
] as const;

/** The recommendation scale, strongest first. */
export const RECOMMENDATIONS = ["strong_yes", "yes", "maybe", "no"] as const;
export type Recommendation = (typeof RECOMMENDATIONS)[number];

export const candidateAnswerSchema = z.object({
  recommendation: z.enum(RECOMMENDATIONS),
  reasoning: z.string(),
  analysis: z.record(z.string(), z.object({ score: z.number().int().min(1).max(5), comment: z.string() })),
});
export type CandidateAnswer = z.infer<typeof candidateAnswerSchema>;

/**
 * The checks the example experiments run on every candidate evaluation (quality.checks): the
 * reasoning names the candidate, every dimension is scored, scores stay on the 1–5 scale, and the
 * reasoning is more than a few words.
 */
export const candidateChecks = [
  { name: "names the candidate", path: "reasoning", mentionsFact: "Candidate" },
  {
    name: "scores every dimension",
    fn: (answer: unknown) => {
      const analysis = (answer as { analysis?: Record<string, { score?: unknown }> } | undefined)?.analysis ?? {};
      const missing = CANDIDATE_DIMENSIONS.filter((d) => typeof analysis[d]?.score !== "number");
      return { pass: missing.length === 0, reason: missing.length ? `no score for ${missing.join(", ")}` : undefined };
    },
  },
  { name: "scores within 1–5", path: "analysis.*.score", range: { min: 1, max: 5 } },
  { name: "reasons in a sentence or more", path: "reasoning", length: { min: 40 } },
] satisfies CheckInput[];

/** The rubric the example experiments' judge grades each evaluation with (quality.judge.rubric). */
export const CANDIDATE_RUBRIC = `You review a recruiter's evaluation of a candidate profile.
{{prompt}}
The evaluation:
{{answer}}
Is its recommendation right for this profile, and is its reasoning grounded in what the profile states?`;

/** The rubric for comparing two evaluations of the same profile (quality.judge.pairwise.rubric). */
export const CANDIDATE_PAIRWISE_RUBRIC = `Two evaluations of the same candidate profile.
{{prompt}}
The first evaluation:
{{answer_a}}
The second evaluation:
{{answer_b}}
Which evaluation's recommendation fits the profile better?`;

export interface GeneratedPrompt {
  id: string;
  messages: { role: "system" | "user"; content: string }[];
  /** The ground truth: the recommendation `recommendationFor` gives for the facts the prompt states. */
  expected: { recommendation: Recommendation };
}

/** What a candidate-evaluation prompt states that the recommendation rule looks at. */
export interface CandidateFacts {
  /** The role's title, e.g. "Senior Backend Engineer". */
  role: string;
  /** The "Required skills:" line. */
  required: string[];
  /** The candidate's "Skills:" line. */
  skills: string[];
  /** The "Years of experience:" line. */
  years: number;
}

const SENIOR_ROLE = /\b(Senior|Staff|Principal|Lead)\b/;

/** The ground-truth recommendation for a candidate (the rule in this module's header). */
export function recommendationFor(facts: CandidateFacts): Recommendation {
  const skills = new Set(facts.skills.map((s) => s.toLowerCase()));
  const matched = facts.required.filter((s) => skills.has(s.toLowerCase())).length;
  const coverage = facts.required.length > 0 ? matched / facts.required.length : 0;
  const minimum = SENIOR_ROLE.test(facts.role) ? 5 : 2;
  if (coverage >= 0.75 && facts.years >= minimum + 3) return "strong_yes";
  if (coverage >= 0.6 && facts.years >= minimum) return "yes";
  if (coverage >= 0.3 && facts.years >= minimum - 2) return "maybe";
  return "no";
}

function lineAfter(label: string, text: string): string | undefined {
  return new RegExp(`^${label}: (.*)$`, "m").exec(text)?.[1]?.trim();
}

const listOf = (line: string | undefined): string[] =>
  (line ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The facts a candidate-evaluation prompt states, read from its text (one "Label: value" line
 * each); null when it states no required skills or no years of experience.
 */
export function readCandidateFacts(text: string): CandidateFacts | null {
  const required = lineAfter("Required skills", text);
  const years = lineAfter("Years of experience", text);
  if (required === undefined || years === undefined || !/^\d+$/.test(years)) return null;
  return {
    role: lineAfter("Role", text) ?? "",
    required: listOf(required),
    skills: listOf(lineAfter("Skills", text)),
    years: Number(years),
  };
}

/** The instruction the simulator recognises as a candidate evaluation. */
export const CANDIDATE_INSTRUCTION = "Evaluate this candidate profile";

const FIRST = [
  "Avel",
  "Brisa",
  "Corin",
  "Dalia",
  "Emrys",
  "Fenna",
  "Garan",
  "Hesper",
  "Ilsa",
  "Joren",
  "Kaida",
  "Lucan",
  "Mirel",
  "Noor",
  "Orin",
  "Pella",
  "Quill",
  "Rosan",
  "Sefa",
  "Tamsin",
  "Ulric",
  "Vanna",
  "Wren",
  "Yara",
  "Zevin",
];
const LAST = [
  "Ashdown",
  "Brackwell",
  "Calloway",
  "Dunmere",
  "Everly",
  "Fairholt",
  "Greyson",
  "Hollin",
  "Ivers",
  "Jessamy",
  "Kettering",
  "Larkspur",
  "Merriden",
  "Northcott",
  "Oakhurst",
  "Pendrell",
  "Quenby",
  "Rowntree",
  "Selwick",
  "Thornby",
];
const COMPANY_A = [
  "Bluefjord",
  "Copperleaf",
  "Driftwood",
  "Emberline",
  "Foxglove",
  "Granite",
  "Harborlight",
  "Ironbark",
  "Juniper",
  "Kestrel",
  "Lumen",
  "Moss",
  "Nimbus",
  "Orchard",
  "Pinewave",
];
const COMPANY_B = [
  "Systems",
  "Labs",
  "Analytics",
  "Logistics",
  "Health",
  "Robotics",
  "Software",
  "Networks",
  "Retail",
  "Energy",
];
const SCHOOLS = [
  "Eastvale Institute of Technology",
  "University of Marrow Bay",
  "Lindqvist Polytechnic",
  "Stonebridge College",
  "Rivermouth State University",
];
const DEGREES = [
  "BSc in Computer Science",
  "MSc in Software Engineering",
  "BEng in Electrical Engineering",
  "MSc in Data Science",
  "BA in Mathematics",
  "bootcamp certificate in web development",
];

interface RoleSpec {
  title: string;
  skills: string[];
}
const ROLES: RoleSpec[] = [
  {
    title: "Senior Backend Engineer",
    skills: ["Go", "PostgreSQL", "Kubernetes", "gRPC", "Kafka", "Redis", "Terraform", "distributed systems"],
  },
  {
    title: "Data Scientist",
    skills: ["Python", "pandas", "SQL", "statistics", "PyTorch", "experiment design", "dbt", "Spark"],
  },
  {
    title: "Frontend Engineer",
    skills: ["TypeScript", "React", "CSS", "accessibility", "Vite", "testing-library", "GraphQL", "design systems"],
  },
  {
    title: "Site Reliability Engineer",
    skills: ["Linux", "Prometheus", "Kubernetes", "Terraform", "incident response", "Python", "networking", "AWS"],
  },
  {
    title: "Machine Learning Engineer",
    skills: ["Python", "PyTorch", "CUDA", "model serving", "vLLM", "MLOps", "Docker", "evaluation"],
  },
  {
    title: "Mobile Developer",
    skills: [
      "Kotlin",
      "Swift",
      "Jetpack Compose",
      "SwiftUI",
      "REST APIs",
      "CI/CD",
      "Firebase",
      "performance profiling",
    ],
  },
];
const OTHER_SKILLS = [
  "Java",
  "C#",
  "PHP",
  "Excel",
  "Figma",
  "Scrum",
  "Jira",
  "Ruby",
  "Perl",
  "MATLAB",
  "Tableau",
  "Salesforce",
];
const ACHIEVEMENTS = [
  "led a team of {n} engineers through a platform migration",
  "reduced p99 latency of the main service by {n}0%",
  "built the internal reporting pipeline used by {n} departments",
  "mentored {n} junior developers",
  "maintained legacy billing code with little documentation",
  "shipped {n} customer-facing features in one year",
  "introduced automated testing and cut regressions by half",
  "worked mostly on ticket triage and small bug fixes",
  "designed the on-call rotation and runbooks for {n} services",
  "contributed to an open-source library in the same domain",
];
const TRAITS = [
  "Prefers asynchronous written communication and documents decisions carefully.",
  "Described by a former manager as reliable under pressure but reluctant to delegate.",
  "Has given two talks at regional meetups about lessons learned in production.",
  "Changed jobs three times in the last four years.",
  "Took a one-year career break to care for a family member.",
  "Volunteers as a coding tutor at a local library.",
  "Asks for a fully remote position with occasional travel.",
  "References mention strong ownership and clear written updates.",
];
const RUBRIC = [
  "You are an experienced technical recruiter helping a hiring committee.",
  "Score every dimension from 1 (very weak) to 5 (excellent) and justify each score in one or two sentences.",
  "Dimensions: technical_skills, experience, communication, leadership, culture_fit.",
  "Recommendation must be one of strong_yes, yes, maybe, no.",
  "Base the evaluation only on the profile; do not invent facts, and flag missing information instead.",
  "Weigh the required skills most, then relevant experience, then the other dimensions.",
  "Be concise and consistent: similar profiles must receive similar scores.",
  "Output only the JSON object, without markdown fences or any text before or after it.",
];

function fill(template: string, rng: Rng): string {
  return template.replace("{n}", String(rng.int(2, 9)));
}

function sample<T>(items: readonly T[], count: number, rng: Rng): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(rng.next() * pool.length), 1)[0]!);
  return out;
}

function positions(rng: Rng, count: number, years: number, detailed: boolean): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const company = `${rng.pick(COMPANY_A)} ${rng.pick(COMPANY_B)}`;
    const span = Math.max(1, Math.round(years / count));
    const acts = sample(ACHIEVEMENTS, detailed ? 3 : 1, rng).map((a) => fill(a, rng));
    lines.push(
      `- ${rng.pick(["Engineer", "Senior Engineer", "Developer", "Analyst", "Team Lead", "Consultant"])} at ${company} (${span} years): ${acts.join("; ")}.`,
    );
  }
  return lines;
}

function candidatePrompt(index: number, seed: number, variant: "short" | "detailed"): GeneratedPrompt {
  const rng = rngFor("candidate", seed, index, variant);
  const role = rng.pick(ROLES);
  const name = `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
  const years = rng.int(0, 18);
  const matching = sample(role.skills, rng.int(1, role.skills.length), rng);
  const skills = [...matching, ...sample(OTHER_SKILLS, rng.int(0, 4), rng)];
  const detailed = variant === "detailed";
  const required = role.skills.slice(0, detailed ? 8 : 5);
  const answerFormat =
    `Answer as JSON: {"recommendation": "strong_yes" | "yes" | "maybe" | "no", "reasoning": string, ` +
    `"analysis": {"<dimension>": {"score": 1-5, "comment": string}}} with the dimensions technical_skills, experience, communication, leadership and culture_fit.`;
  const lines = [
    `${CANDIDATE_INSTRUCTION} for the role of ${role.title} and answer as JSON with recommendation, reasoning and per-dimension analysis.`,
    "",
    `Role: ${role.title}`,
    `Required skills: ${required.join(", ")}`,
    `Candidate: ${name}`,
    `Years of experience: ${years}`,
    `Skills: ${skills.join(", ")}`,
    `Education: ${rng.pick(DEGREES)}, ${rng.pick(SCHOOLS)}`,
    "Recent positions:",
    ...positions(rng, detailed ? 4 : 2, years, detailed),
    `Location: ${rng.pick(["on site", "hybrid", "remote"])}, notice period ${rng.int(2, 12)} weeks`,
    `Notes: ${sample(TRAITS, detailed ? 4 : 2, rng).join(" ")}`,
  ];
  if (detailed) {
    lines.push(
      `Cover letter summary: ${name.split(" ")[0]} writes that the ${role.title} role matches their interest in ${rng.pick(role.skills)} and ${rng.pick(role.skills)}, ` +
        `that they want to grow toward ${rng.pick(["technical leadership", "architecture", "people management", "a specialist track"])}, ` +
        `and that they can start in ${rng.int(2, 12)} weeks. They mention salary expectations in line with the posted range and ask about the team's on-call load ` +
        `and code review practices.`,
      `Interview feedback so far: the phone screen went ${rng.pick(["well", "adequately", "very well", "poorly"])}; the take-home exercise was ${rng.pick(["complete and well tested", "complete but untested", "partly complete", "not submitted"])}. ` +
        `The screener noted ${rng.pick(["clear explanations of trade-offs", "some gaps in fundamentals", "strong debugging instincts", "vague answers about past impact"])} and ${rng.pick(["good questions about the product", "limited curiosity about the team", "a collaborative tone", "a tendency to interrupt"])}.`,
      `Team context: the hiring team has ${rng.int(4, 12)} people, works across ${rng.int(2, 4)} time zones, owns ${rng.int(3, 9)} services and expects the new hire to take part in on-call after three months.`,
    );
  }
  lines.push("", answerFormat);
  const messages: GeneratedPrompt["messages"] = [];
  if (detailed) messages.push({ role: "system", content: RUBRIC.join(" ") });
  messages.push({ role: "user", content: lines.join("\n") });
  const recommendation = recommendationFor({ role: role.title, required, skills, years });
  return { id: `candidate-${variant}-${seed}-${index}`, messages, expected: { recommendation } };
}

/** `count` candidate-evaluation prompts, deterministic for (seed, variant). */
export function generateCandidatePrompts(
  count: number,
  seed: number,
  variant: "short" | "detailed",
): GeneratedPrompt[] {
  return Array.from({ length: count }, (_, i) => candidatePrompt(i, seed, variant));
}
