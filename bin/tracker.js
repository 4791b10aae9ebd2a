#!/usr/bin/env node
// Entry point for `npx tracker …`: runs the TypeScript CLI through tsx.
import { register } from "tsx/esm/api";
register();
await import("../data-loaders/cli.ts");
