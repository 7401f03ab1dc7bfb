import { describe, test } from "bun:test";
import { nativeBuilt } from "../../lib/backend/native/addon.ts";

/**
 * What a test needs beyond npm packages: an apt package of the oracle suite, the native addon, a
 * kernel facility. One policy (issue 13): in CI (`MAMMO_CI=1`, set by `.ci/run`, which installs
 * everything) a missing requirement FAILS; on a developer's machine the tests that need it are
 * skipped with the reason printed once.
 */
export const IN_CI = process.env.MAMMO_CI === "1";

const PY = "/usr/bin/python3";
const has = (cmd: string) => Bun.spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;
const imports = (mod: string) => Bun.spawnSync([PY, "-c", `import ${mod}`]).exitCode === 0;

/** Each requirement: how to tell it is there, and how to get it. */
const CHECKS: Record<string, { present: () => boolean; install: string }> = {
  "python3-sklearn": { present: () => imports("sklearn"), install: "apt-get install python3-sklearn" },
  "python3-scipy": { present: () => imports("scipy"), install: "apt-get install python3-scipy" },
  "python3-numpy": { present: () => imports("numpy"), install: "apt-get install python3-numpy" },
  "python3-statsmodels": { present: () => imports("statsmodels"), install: "apt-get install python3-statsmodels" },
  "python3-pydicom": { present: () => imports("pydicom"), install: "apt-get install python3-pydicom" },
  "python3-torch": { present: () => imports("torch"), install: "apt-get install python3-torch" },
  "python3-torchvision": { present: () => imports("torchvision"), install: "apt-get install python3-torchvision" },
  "python3-jsonschema": { present: () => imports("jsonschema"), install: "apt-get install python3-jsonschema" },
  dcmtk: { present: () => has("dcmdjpeg") && has("dcmcjpls"), install: "apt-get install dcmtk" },
  "libgdcm-tools": { present: () => has("gdcmconv"), install: "apt-get install libgdcm-tools" },
  dicom3tools: { present: () => has("dciodvfy"), install: "apt-get install dicom3tools" },
  pdflatex: { present: () => has("pdflatex") && has("kpsewhich") && Bun.spawnSync(["kpsewhich", "booktabs.sty"]).exitCode === 0, install: "apt-get install texlive-latex-base texlive-latex-recommended lmodern" },
  "poppler-utils": { present: () => has("pdftoppm") && has("pdffonts") && has("pdfinfo"), install: "apt-get install poppler-utils" },
  chromium: { present: () => has("chromium"), install: "apt-get install chromium" },
  "systemd-analyze": { present: () => has("systemd-analyze"), install: "apt-get install systemd" },
  "native addon": { present: () => nativeBuilt(), install: "node native/build.mjs (g++ and Node's headers; MAMMO_NATIVE_ADDON names another build)" },
  // A local one-node cluster (ops/slurm/local-cluster.sh) needs Debian's Slurm, munge, and root.
  slurm: { present: () => ["sbatch", "squeue", "scancel", "slurmctld", "slurmd", "munged"].every(has) && process.getuid?.() === 0, install: "apt-get install slurmctld slurmd slurm-client munge, and run as root" },
  "mount namespaces": { present: () => has("unshare") && Bun.spawnSync(["unshare", "-rm", "true"]).exitCode === 0, install: "run as root or allow unprivileged user namespaces" },
};
export type Requirement = keyof typeof CHECKS;

const cache = new Map<string, boolean>();
const reported = new Set<string>();

/** The requirements among `names` that are missing here. */
export function missingRequirements(names: readonly Requirement[]): Requirement[] {
  return names.filter((name) => {
    if (!cache.has(name)) cache.set(name, (CHECKS[name] as { present: () => boolean }).present());
    return !cache.get(name);
  });
}

/**
 * `describe` for tests that need `names`: itself when they are all present; in CI, when one is
 * missing, a failing test naming it (and the tests run, failing on their own); elsewhere
 * `describe.skip`, after printing which requirement is missing and how to install it.
 */
export function describeWith(names: readonly Requirement[]): typeof describe {
  const missing = missingRequirements(names);
  if (!missing.length) return describe;
  const how = missing.map((m) => `${m} (${CHECKS[m]?.install})`).join(", ");
  if (IN_CI) {
    test(`requirement present in CI: ${missing.join(", ")}`, () => {
      throw new Error(`missing in CI: ${how}`);
    });
    return describe;
  }
  const key = missing.join(",");
  if (!reported.has(key)) {
    reported.add(key);
    process.stderr.write(`skipping tests that need ${how}\n`);
  }
  return describe.skip as unknown as typeof describe;
}
