// A page loader under src/data/ is one function from its route's parameters (the `[name]` parts
// of its file name, e.g. `id` for experiments/[id].json.ts) to its output, declared with
// `export default defineLoader(import.meta, async ({ id }) => …)`. It is used two ways:
// - as a script, the way Framework runs it (`tsx src/data/<loader> --id=…`, its output on
//   stdout): in `npm run dev`, and in `tracker build` for an output the build left missing (after
//   a failure, so that its error is reported on the page);
// - as a module, by `tracker build` (site/loader-worker.ts), which imports every loader once per
//   process and computes many outputs with it.
// It writes to stdout only when its file is the process's entry script, so importing it has no
// side effect.
import { realpathSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";

/** A loader's output: text (JSON) or bytes (an Arrow stream). */
export type LoaderOutput = string | Uint8Array;
/** A loader's parameters by name, e.g. `{ id: "alpha" }`. */
export type LoaderParams = Record<string, string>;
export type Loader = (params: LoaderParams) => Promise<LoaderOutput>;

/** The parameters of a loader's route: the `[name]` parts of its path, in order. */
export function routeParams(path: string): string[] {
  return [...path.matchAll(/\[(\w+)\]/g)].map((m) => m[1]!);
}

/** Whether `file` is the script this process was started with (`node … <file> …`). */
function isEntryScript(file: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(file);
  } catch {
    return false;
  }
}

/**
 * The loader of the module `meta` belongs to: `produce`, given every parameter of its route (an
 * error names a missing one). When the module is the entry script, it also runs it with the
 * parameters of the command line (`--id=…`) and writes the output to stdout; a failure is printed
 * and sets exit code 1, as Framework expects of a loader.
 */
export function defineLoader(meta: ImportMeta, produce: (params: LoaderParams) => Promise<LoaderOutput>): Loader {
  const names = routeParams(meta.filename);
  const loader: Loader = async (params) => {
    for (const name of names) {
      if (!params[name]) throw new Error(`${relative(process.cwd(), meta.filename)}: --${name}=<${name}> is required`);
    }
    return produce(params);
  };
  if (isEntryScript(meta.filename)) {
    const options = Object.fromEntries(names.map((name) => [name, { type: "string" as const }]));
    const { values } = parseArgs({ options });
    loader(values as LoaderParams).then(
      (output) => process.stdout.write(output),
      (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
  }
  return loader;
}
