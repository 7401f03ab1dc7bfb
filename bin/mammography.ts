#!/usr/bin/env bun
/**
 * The reference pipeline's spelling: `mammography train-density -- <flags>` and
 * `mammography report-pack <flags>`; every task name works here as well.
 */
import { invocation, main } from "../cli/main.ts";

const code = await main(process.argv.slice(2), invocation("bin"));
process.exitCode = code;
