// Tokenizer-neutral rates: answers, characters and words per second. Tokens per second compare
// badly across models, since a Gemma token is not a Llama or Qwen token; the text the answers
// hold does not depend on a tokenizer.
//
//   answers  = successful requests with a non-empty answer
//   chars    = Σ characters of those answers (Unicode code points)
//   words    = Σ words of those answers, a word being a run of characters other than space, tab,
//              newline, carriage return, form feed and vertical tab
//   rate     = total / the run's duration (the one token throughputs use: first send → last
//              completion), so chars/s ÷ tokens/s is characters per token
// Warm-up requests are left out, as from every statistic. A stored run is counted in DuckDB
// (`answerTextTotals`); `countAnswerText` is the same count over rows in memory. A recorded run
// has them only when its record gives them (figures.answerChars, answerWords); its answers are
// its successful requests.
import { query } from "../store/duckdb.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";

export type TextRow = Pick<RequestRow, "status" | "answer">;

export interface TextTotals {
  answers: number | null;
  chars: number | null;
  words: number | null;
}

export interface TextRates {
  answersPerS: number | null;
  charsPerS: number | null;
  wordsPerS: number | null;
}

const WORD = /[^ \t\n\r\f\v]+/g;

/**
 * The words of `answer` in SQL: `WORD`'s runs. An answer whose only whitespace is spaces and
 * newlines (nearly all) is split on spaces, newlines turned into spaces first, the empty pieces
 * left out; any other is matched with the regular expression, which costs several times more.
 */
const WORDS_SQL = `CASE WHEN contains(answer, chr(9)) OR contains(answer, chr(11)) OR contains(answer, chr(12))
    OR contains(answer, chr(13)) THEN len(regexp_extract_all(answer, '[^ \\t\\n\\r\\f\\v]+'))
  ELSE len(list_filter(string_split(replace(answer, chr(10), ' '), ' '), w -> w <> '')) END`;

/** The totals of rows in memory. */
export function countAnswerText(rows: Iterable<TextRow & { warmup?: boolean | null }>): TextTotals {
  let answers = 0;
  let chars = 0;
  let words = 0;
  for (const r of rows) {
    if (r.warmup === true || r.status !== "ok" || !r.answer) continue;
    answers += 1;
    for (const _ of r.answer) chars += 1;
    words += r.answer.match(WORD)?.length ?? 0;
  }
  return { answers, chars, words };
}

/** The totals of a stored run (DuckDB over its requests.parquet). */
export async function answerTextTotals(requestsPath: string): Promise<TextTotals> {
  const [row] = await query(
    `SELECT count(*)::DOUBLE AS answers, coalesce(sum(length(answer)), 0)::DOUBLE AS chars,
       coalesce(sum(${WORDS_SQL}), 0)::DOUBLE AS words
     FROM measured WHERE status = 'ok' AND answer IS NOT NULL AND answer <> ''`,
    { path: requestsPath },
  );
  return { answers: Number(row!.answers), chars: Number(row!.chars), words: Number(row!.words) };
}

/** Each total over the duration (null when either is unknown or the duration is not positive). */
export function textRates(totals: TextTotals, durationS: number | null): TextRates {
  const per = (n: number | null) => (n === null || durationS === null || !(durationS > 0) ? null : n / durationS);
  return { answersPerS: per(totals.answers), charsPerS: per(totals.chars), wordsPerS: per(totals.words) };
}
