// Loads the TypeScript stand-in through tsx (resolved from this folder, whatever the cwd).
import { register } from "tsx/esm/api";
register();
await import("./vllm-stand-in.ts");
