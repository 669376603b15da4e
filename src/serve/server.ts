/**
 * `vibann serve`: a local web page (127.0.0.1 by default; SPEC §14, docs/web.md) to predict
 * compositions across loads with uncertainty, run a design with constraints and watch its
 * progress, and browse and compare run directories. Plain node:http and JSON endpoints:
 *   GET  /                       the page (page.ts; its script /app.js, Vega from /vendor/…)
 *   GET  /api/schema             JSON Schemas of the design and predict requests (the page's forms)
 *   POST /api/predict            { compositions, loads?, passes?, seed? } → the rows of
 *                                `vibann predict --json` (the predict workflow)
 *   POST /api/design[?lease=1]   the design options (workflows/requests.ts) → 202 { id }; with
 *                                `lease` the design is cancelled when no progress poll arrives for
 *                                `designLeaseSeconds` (the page asks for it: a closed tab stops its
 *                                design; lease.ts)
 *   GET  /api/design             every design job of this server
 *   GET  /api/design/:id[?wait=MS]  progress (stage, step/steps, percent), the design.json when
 *                                done; `wait` holds the answer up to MS ms (≤ 10 000) or until the
 *                                design ends, so a client can poll in a loop without timers
 *   POST /api/design/:id/cancel  cancel a running design
 *   GET  /api/runs               run directories under the runs folder (absent folder: none)
 *   GET  /api/runs/:dir/design   a design run's design.json (to compare runs)
 *   GET  /runs/:dir/report       that run's HTML report (built on request)
 *   GET  /runs/:dir/figure/:f    a PNG figure of the run
 *
 * Machinery (issue 14):
 * - Heavy work runs on worker threads of the project's pool (jobs/pool.ts, handler worker.ts):
 *   every design, and predicts above `inlineWork` rows × passes; the request thread only parses,
 *   checks and answers, so the page, small predicts and progress polls stay fast during a design.
 * - Limits: body ≤ 1 MiB, predict rows/passes (PREDICT_LIMITS) → 400 naming the limit; at most
 *   `maxDesigns` designs at a time (429) and a bounded queue of large predicts (503).
 * - A predict whose client disconnects is cancelled (its thread task is aborted).
 * - Only loopback Host values are served (127.0.0.1:PORT, localhost:PORT, [::1]:PORT, and the
 *   --host given); a POST with an Origin that is not ours is 403 (cross-site requests, DNS
 *   rebinding); POSTs must be `content-type: application/json` (415). Requests without Origin
 *   (curl, scripts) are accepted.
 * - Bodies are validated by the zod schemas shared with the workflows (workflows/requests.ts):
 *   unknown or wrongly typed fields are 400 naming the field.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../jobs/pool.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import type { DesignRunDocument } from '../runs/design.ts';
import { InputError, VibannError } from '../util/errors.ts';
import { runDirName } from '../workflows/common.ts';
import type { DesignWorkflowOptions } from '../workflows/design.ts';
import type { PredictionRow } from '../workflows/predict.ts';
import { CLIENT_JS } from './client.ts';
import { Leases } from './lease.ts';
import { PAGE } from './page.ts';
import type { ServeOutput, ServeProgress, ServeTask } from './worker.ts';

export interface ServeOptions {
  /** Model directory used for predictions and designs. */
  modelDir: string;
  /** Folder whose subfolders are run directories (default 'runs'; need not exist yet). */
  runsDir: string;
  /** Dataset file (default: the usual resolution order). */
  data?: string;
  /** Log line sink (default: stderr). */
  log?: (line: string) => void;
  /** The address listened on (its name is an accepted Host besides the loopback names). */
  host?: string;
  /** Designs running at once (default 1); more are refused with 429. */
  maxDesigns?: number;
  /** Large predicts waiting for a thread at most (default 4); more are refused with 503. */
  maxQueuedPredicts?: number;
  /** Predicts up to this many rows × MC passes run on the request thread (default 2000). */
  inlineWork?: number;
  /**
   * A design started with `?lease=1` (the page's) is cancelled when no progress poll arrived or
   * was open for this many seconds (default `DESIGN_LEASE_SECONDS`; 0: never).
   */
  designLeaseSeconds?: number;
}

/** Default lease of a page-started design, s (docs/web.md). */
export const DESIGN_LEASE_SECONDS = 30;
/** The longest a progress poll is held open (`?wait=`), ms. */
export const MAX_POLL_WAIT_MS = 10_000;

/** A design started through the API. */
export interface DesignJob {
  id: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** The current stage or message. */
  stage: string;
  /** Progress of the current stage (its steps: start-up, calibration rows, MCMC or refinement steps, …; 0 of 0 for a message). */
  step: number;
  steps: number;
  /** Rough overall progress, 0–100, never decreasing (`DESIGN_PERCENT`). */
  percent: number;
  /** Stages finished so far. */
  stages: string[];
  started: string;
  /** When the last progress arrived (ISO). */
  updated: string;
  /** The request's options (as validated). */
  options: Partial<DesignWorkflowOptions>;
  /** The run's design.json document when done. */
  result?: DesignRunDocument;
  error?: string;
  /** The run directory's name under the runs folder. */
  runDir: string;
  /** Seconds without a progress poll after which this design is cancelled (leased designs only). */
  lease?: number;
}

/** Request body limit, bytes. */
export const MAX_BODY = 1 << 20;
/** The MC passes a predict uses when the request names none (the default preset's). */
const DEFAULT_PASSES = 100;

class HttpError extends VibannError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** The page may load only its own scripts (Vega needs eval for its expressions) and data. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'";

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer | object,
  type = 'application/json',
  headers: Record<string, string> = {},
): void {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type.startsWith('image/') ? type : `${type}; charset=utf-8`,
    ...headers,
  });
  res.end(data);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY)
    throw new InputError(`request body too large: ${declared} bytes, the limit is ${MAX_BODY}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) {
      req.resume();
      throw new InputError(`request body too large: over the limit of ${MAX_BODY} bytes`);
    }
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text === '' ? '{}' : text) as unknown;
  } catch (e) {
    throw new InputError(`request body: expected JSON (${(e as Error).message})`);
  }
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/** The Host values this server answers to (port = the socket's local port). */
function allowedHosts(port: number | undefined, host?: string): Set<string> {
  const names = new Set(LOOPBACK);
  if (host && !['0.0.0.0', '::', ''].includes(host))
    names.add(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  return new Set([...names].map((n) => `${n}:${port}`));
}

/** Host, Origin and content-type checks (issue 14 #4); throws HttpError. */
export function checkRequest(req: IncomingMessage, host?: string): void {
  const allowed = allowedHosts(req.socket.localPort, host);
  const h = (req.headers.host ?? '').toLowerCase();
  if (!allowed.has(h))
    throw new HttpError(
      403,
      `Host '${req.headers.host ?? ''}' is not served: use ${[...allowed].map((a) => `http://${a}/`).join(', ')}`,
    );
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed.has(origin.toLowerCase().replace(/^http:\/\//, '')))
      throw new HttpError(403, `cross-origin request refused (Origin '${origin}')`);
    if (!/^http:\/\//i.test(origin ?? 'http://')) throw new HttpError(403, 'bad Origin');
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type))
      throw new HttpError(
        415,
        `POST requests must have 'content-type: application/json' (got '${type || 'none'}')`,
      );
  }
}

/** Files of the page: the Vega libraries from the installed packages (no CDN). */
const VENDOR: Record<string, string> = {
  'vega.min.js': 'vega/build/vega.min.js',
  'vega-lite.min.js': 'vega-lite/build/vega-lite.min.js',
  'vega-embed.min.js': 'vega-embed/build/vega-embed.min.js',
};
const vendorCache = new Map<string, Buffer>();
/** A file of an installed package (their `exports` hide the build files from require.resolve). */
function packageFile(spec: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const f = join(dir, 'node_modules', spec);
    if (existsSync(f)) return f;
    const up = dirname(dir);
    if (up === dir) throw new VibannError(`${spec} is not installed (npm install)`);
    dir = up;
  }
}
function vendorFile(name: string): Buffer | undefined {
  const spec = VENDOR[name];
  if (!spec) return undefined;
  let b = vendorCache.get(name);
  if (!b) {
    b = readFileSync(packageFile(spec));
    vendorCache.set(name, b);
  }
  return b;
}

/**
 * Where each stage of a design lies in the overall percent (issue 15), in the order a design runs
 * them: a progress stage (workflows/design.ts: 'preparing', 'calibration', 'MCMC N chains',
 * 'refinement', 'screening', 'writing the run') moves from `from` to `to` with its steps; a message
 * that starts a stage ('design: screening…') sets `from`. The ranges follow the stages' share of a
 * full default design (~60 s on 2 cores: start-up ~2 s, latent density and thresholds ~2.5 s,
 * MCMC ~42 s, refinement ~7 s, screening ~1 s, writing the run ~1 s).
 */
export const DESIGN_PERCENT: readonly { stage: RegExp; from: number; to: number }[] = [
  { stage: /^design: thread started/, from: 1, to: 1 },
  { stage: /^preparing$/, from: 1, to: 4 },
  { stage: /^design: latent density/, from: 4, to: 4 },
  { stage: /^design: thresholds/, from: 5, to: 5 },
  { stage: /^calibration$/, from: 5, to: 8 },
  { stage: /^MCMC/, from: 8, to: 78 },
  { stage: /^design: refinement/, from: 78, to: 78 },
  { stage: /^refinement$/, from: 78, to: 91 },
  { stage: /^design: screening/, from: 91, to: 91 },
  { stage: /^screening$/, from: 91, to: 94 },
  { stage: /^design: report/, from: 94, to: 94 },
  { stage: /^writing the run$/, from: 95, to: 99 },
];

/**
 * Rough overall percent of a design at `step` of `steps` of `stage` (`DESIGN_PERCENT`); undefined
 * for a stage or message outside the table (a warning, a message of another workflow).
 */
export function designPercent(stage: string, step: number, steps: number): number | undefined {
  const r = DESIGN_PERCENT.find((x) => x.stage.test(stage));
  if (!r) return undefined;
  const frac = steps > 0 ? Math.min(1, step / steps) : 0;
  return Math.round(r.from + (r.to - r.from) * frac);
}

/**
 * Update a design job with what its thread posted: a progress step sets the stage and its
 * step/steps, a message becomes the stage (without steps); the percent never goes back
 * (`DESIGN_PERCENT`). Returns the warning to log, if any.
 */
export function applyDesignProgress(job: DesignJob, p: ServeProgress): string | undefined {
  job.updated = new Date().toISOString();
  let warning: string | undefined;
  if (p.type === 'progress') {
    job.stage = p.stage;
    job.step = p.done;
    job.steps = p.total;
  } else if (p.type === 'stage-end') {
    job.step = job.steps;
    job.stages.push(p.stage);
  } else if (p.type === 'info') {
    job.stage = p.message;
    job.step = 0;
    job.steps = 0;
  } else warning = p.message;
  job.percent = Math.max(job.percent, designPercent(job.stage, job.step, job.steps) ?? 0);
  return warning;
}

export interface Handler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Stop the worker threads (running work is cancelled). */
  close(): Promise<void>;
  /** The worker pool (for tests: its load). */
  pool: WorkerPool<ServeTask, ServeOutput, ServeProgress>;
}

/** A design job as it starts: running, stage 'starting', no progress yet. */
export function newDesignJob(
  id: string,
  options: DesignJob['options'],
  runDir: string,
  lease?: number,
): DesignJob {
  const now = new Date().toISOString();
  return {
    id,
    state: 'running',
    stage: 'starting',
    step: 0,
    steps: 0,
    percent: 0,
    stages: [],
    started: now,
    updated: now,
    options,
    runDir,
    ...(lease === undefined ? {} : { lease }),
  };
}

/** The request handler (exported for tests that do not need a socket). */
export function createHandler(o: ServeOptions): Handler {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const maxDesigns = Math.max(1, o.maxDesigns ?? 1);
  const maxQueued = o.maxQueuedPredicts ?? 4;
  const inlineWork = o.inlineWork ?? 2000;
  // one thread per design allowed at once, plus one so large predicts never wait for a design
  const pool = new WorkerPool<ServeTask, ServeOutput, ServeProgress>({
    handler: new URL(`./worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url),
    size: maxDesigns + 1,
    cancelGraceMs: 5000,
  });
  let modelP: Promise<HardnessModel> | undefined;
  const model = () => {
    modelP ??= (async () => {
      const { openModel } = await import('../workflows/common.ts');
      return openModel(o.modelDir);
    })();
    modelP.catch(() => {
      modelP = undefined;
    });
    return modelP;
  };
  const jobs = new Map<string, DesignJob>();
  const cancels = new Map<string, () => void>();
  /** Resolved when a job ends (held progress polls answer at once then). */
  const ended = new Map<string, Promise<void>>();
  const leaseSeconds = o.designLeaseSeconds ?? DESIGN_LEASE_SECONDS;
  const leases = leaseSeconds > 0 ? new Leases(leaseSeconds * 1000) : undefined;
  const cancelReasons = new Map<string, string>();
  const sweeper = leases
    ? setInterval(
        () => {
          for (const id of leases.sweep()) {
            const reason = `the design was cancelled: no progress poll for ${leaseSeconds} s (the page that started it was closed)`;
            cancelReasons.set(id, reason);
            log(`serve: design job ${id}: ${reason}`);
            cancels.get(id)?.();
          }
        },
        Math.min(1000, leases.ms / 4),
      )
    : undefined;
  sweeper?.unref();
  let nextJob = 1;
  let heavyPredicts = 0;

  /** `vibann predict --json` rows: the predict workflow with the CLI's defaults. */
  const predict = async (body: unknown, signal: AbortSignal): Promise<PredictionRow[]> => {
    const { parsePredictRequest } = await import('../workflows/requests.ts');
    const r = parsePredictRequest(body);
    const options = {
      model: o.modelDir,
      compositions: r.compositions,
      loads: r.loads,
      mc: r.passes,
      seed: r.seed,
    };
    const work = r.compositions.length * (r.loads?.length ?? 1) * (r.passes ?? DEFAULT_PASSES);
    if (work <= inlineWork) {
      // small: parse the formulas and predict here (a few ms to a few hundred ms)
      const { runPredict } = await import('../workflows/predict.ts');
      return (await runPredict(options, { signal })).rows;
    }
    // large: parse the formulas first (a typo is a 400 at once), then a thread
    const { Composition } = await import('../chem/index.ts');
    for (const f of r.compositions) Composition.parse(f);
    if (heavyPredicts >= maxQueued + 1)
      throw new HttpError(
        503,
        `busy: ${heavyPredicts} large predicts are running or waiting (the limit is ${maxQueued + 1}); try again shortly`,
      );
    heavyPredicts++;
    try {
      const out = await pool.submit({ kind: 'predict', options }, { signal });
      if (out.kind !== 'predict') throw new VibannError('a worker returned the wrong result');
      return out.result.rows;
    } finally {
      heavyPredicts--;
    }
  };

  const startDesign = async (body: unknown, lease: boolean): Promise<DesignJob> => {
    const { parseDesignRequest } = await import('../workflows/requests.ts');
    const { DESIGN_DEFAULTS, designOptionsFor } = await import('../workflows/design.ts');
    const options = await parseDesignRequest(body);
    // bad constraints are the request's fault (400), found before a job starts
    const { validateConstraints } = await import('../design/constraints.ts');
    const d = { ...DESIGN_DEFAULTS, ...options };
    validateConstraints((await designOptionsFor(d)).constraints, (await model()).elements);
    const running = [...jobs.values()].filter((j) => j.state === 'running').length;
    if (running >= maxDesigns)
      throw new HttpError(
        429,
        `${running} design${running === 1 ? ' is' : 's are'} running (the limit is ${maxDesigns} at a time): wait for it or cancel it`,
      );
    const id = String(nextJob++);
    const name = `${basename(runDirName('design'))}-${id}`;
    const controller = new AbortController();
    const job = newDesignJob(id, options, name, lease && leases ? leaseSeconds : undefined);
    jobs.set(id, job);
    cancels.set(id, () => controller.abort());
    if (lease) leases?.hold(id);
    let end = () => {};
    ended.set(
      id,
      new Promise<void>((ok) => {
        end = ok;
      }),
    );
    log(
      `serve: design job ${id} started (load ${d.load} N, ban ${d.ban.join(',') || 'none'}, seed ${d.seed}${d.quick ? ', quick' : ''})`,
    );
    const task: ServeTask = {
      kind: 'design',
      options: {
        ...options,
        model: o.modelDir,
        data: o.data,
        out: join(o.runsDir, name),
        argv: ['serve', 'design', JSON.stringify(body)],
      },
    };
    const onProgress = (p: ServeProgress) => {
      const warning = applyDesignProgress(job, p);
      if (warning !== undefined) log(`serve: design job ${id}: warning: ${warning}`);
    };
    pool
      .submit(task, { signal: controller.signal, onProgress })
      .then(
        (out) => {
          if (out.kind !== 'design') throw new VibannError('a worker returned the wrong result');
          job.state = 'done';
          job.stage = 'done';
          job.percent = 100;
          job.result = out.document;
          log(
            `serve: design job ${id} done (${out.document.summary.accepted} accepted), run ${name}`,
          );
        },
        (e: unknown) => {
          const cancelled = e instanceof Error && e.name === 'CancelledError';
          job.state = cancelled ? 'cancelled' : 'failed';
          job.error = e instanceof Error ? e.message : String(e);
          if (cancelled && !/cancelled/.test(job.error)) job.error = 'the design was cancelled';
          if (cancelled && cancelReasons.has(id)) job.error = cancelReasons.get(id);
          if (!(e instanceof VibannError)) log(`serve: design job ${id} failed: ${job.error}`);
        },
      )
      .finally(() => {
        cancels.delete(id);
        cancelReasons.delete(id);
        leases?.release(id);
        end();
      });
    return job;
  };

  const runs = () => {
    if (!existsSync(o.runsDir)) return [];
    return readdirSync(o.runsDir)
      .filter((d) => existsSync(join(o.runsDir, d, 'manifest.json')))
      .map((d) => {
        let command = '';
        let complete: boolean | null = null;
        try {
          const m = JSON.parse(readFileSync(join(o.runsDir, d, 'manifest.json'), 'utf8')) as {
            command?: unknown;
            complete?: unknown;
          };
          command = String(m.command ?? '');
          if (typeof m.complete === 'boolean') complete = m.complete;
        } catch {
          command = '';
        }
        return {
          name: d,
          command,
          /** false: the run stopped before its last file (cancelled, failed); null: not recorded */
          complete,
          design: existsSync(join(o.runsDir, d, 'design.json')),
          modified: statSync(join(o.runsDir, d)).mtime.toISOString(),
        };
      })
      .sort((a, b) => (a.modified < b.modified ? 1 : -1));
  };
  /** The directory of a listed run named in a URL segment (400 bad encoding, 404 unknown). */
  const runDir = (segment: string): string => {
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      throw new HttpError(
        400,
        `bad run name in the URL: '${segment}' is not valid percent-encoding`,
      );
    }
    if (!runs().some((r) => r.name === name))
      throw new HttpError(404, `no run directory '${name}'`);
    return resolve(o.runsDir, name);
  };

  const handler = ((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const fail = (e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof InputError ? 400 : 500;
      if (!(e instanceof VibannError))
        log(`serve: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (res.headersSent || res.destroyed) return;
      send(res, status, { error: e instanceof Error ? e.message : String(e) });
    };
    (async () => {
      checkRequest(req, o.host);
      const get = req.method === 'GET' || req.method === 'HEAD';
      if (get && path === '/')
        return send(res, 200, PAGE, 'text/html', { 'content-security-policy': PAGE_CSP });
      if (get && path === '/favicon.ico') return send(res, 204, '', 'image/x-icon');
      if (get && path === '/app.js') return send(res, 200, CLIENT_JS, 'text/javascript');
      const vm = /^\/vendor\/([\w.-]+)$/.exec(path);
      if (get && vm) {
        const f = vendorFile(vm[1]);
        return f
          ? send(res, 200, f, 'text/javascript', { 'cache-control': 'max-age=3600' })
          : send(res, 404, { error: `no file ${path}` });
      }
      if (get && path === '/api/schema') {
        const { designRequestJsonSchema, predictRequestSchema, PREDICT_LIMITS } = await import(
          '../workflows/requests.ts'
        );
        const { z } = await import('zod');
        return send(res, 200, {
          design: designRequestJsonSchema(),
          predict: z.toJSONSchema(predictRequestSchema, { io: 'input', unrepresentable: 'any' }),
          limits: { ...PREDICT_LIMITS, body: MAX_BODY, designs: maxDesigns },
          elements: (await model()).elements,
        });
      }
      if (req.method === 'POST' && path === '/api/predict') {
        const body = await readJson(req);
        const ac = new AbortController();
        // the client went away before the answer: stop the work
        res.on('close', () => {
          if (!res.writableFinished) ac.abort();
        });
        return send(res, 200, await predict(body, ac.signal));
      }
      if (req.method === 'POST' && path === '/api/design') {
        const lease = url.searchParams.get('lease');
        const job = await startDesign(
          await readJson(req),
          lease !== null && lease !== '0' && lease !== 'false',
        );
        return send(res, 202, { id: job.id, runDir: job.runDir });
      }
      if (get && path === '/api/design')
        return send(
          res,
          200,
          [...jobs.values()].map(({ result: _r, ...j }) => j),
        );
      const jm = /^\/api\/design\/(\d+)$/.exec(path);
      if (get && jm) {
        const job = jobs.get(jm[1]);
        if (!job) return send(res, 404, { error: `no design job ${jm[1]}` });
        const w = url.searchParams.get('wait') ?? '0';
        if (!/^\d{1,6}$/.test(w) || Number(w) > MAX_POLL_WAIT_MS)
          throw new HttpError(
            400,
            `'wait' expects milliseconds 0..${MAX_POLL_WAIT_MS}, got '${w}'`,
          );
        // a poll renews the design's lease and holds it while the answer is held
        const done = leases?.poll(job.id) ?? (() => {});
        try {
          if (Number(w) > 0 && job.state === 'running') {
            let timer: NodeJS.Timeout | undefined;
            let onClose = () => {};
            await Promise.race([
              new Promise<void>((ok) => {
                timer = setTimeout(ok, Number(w));
              }),
              ended.get(job.id),
              new Promise<void>((ok) => {
                onClose = ok;
                res.once('close', onClose);
              }),
            ]);
            clearTimeout(timer);
            res.off('close', onClose);
            if (res.destroyed) return;
          }
          return send(res, 200, job);
        } finally {
          done();
        }
      }
      const cm = /^\/api\/design\/(\d+)\/cancel$/.exec(path);
      if (req.method === 'POST' && cm) {
        const job = jobs.get(cm[1]);
        if (!job) return send(res, 404, { error: `no design job ${cm[1]}` });
        cancels.get(cm[1])?.();
        return send(res, 202, { id: job.id, state: job.state });
      }
      if (get && path === '/api/runs') return send(res, 200, runs());
      const dm = /^\/api\/runs\/([^/]+)\/design$/.exec(path);
      if (get && dm) {
        const dir = runDir(dm[1]);
        const { readDesignRun } = await import('../runs/design.ts');
        return send(res, 200, readDesignRun(dir).document);
      }
      const rm = /^\/runs\/([^/]+)\/report$/.exec(path);
      if (get && rm) {
        const dir = runDir(rm[1]);
        const { buildReport } = await import('../report/html.ts');
        return send(res, 200, await buildReport(dir), 'text/html', {
          'content-security-policy':
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
        });
      }
      const fm = /^\/runs\/([^/]+)\/figure\/([A-Za-z0-9_][A-Za-z0-9_.-]*\.png)$/.exec(path);
      if (get && fm) {
        const file = join(runDir(fm[1]), fm[2]);
        if (!existsSync(file)) return send(res, 404, { error: `no figure ${fm[2]}` });
        return send(res, 200, readFileSync(file), 'image/png');
      }
      send(res, 404, { error: `not found: ${req.method} ${path}` });
    })().catch(fail);
  }) as Handler;
  handler.close = () => {
    if (sweeper) clearInterval(sweeper);
    return pool.close();
  };
  handler.pool = pool;
  return handler;
}

/** Start listening; resolves with the server and its URL. Closing the server stops the threads. */
export async function serve(
  o: ServeOptions & { port?: number },
): Promise<{ server: Server; url: string; handler: Handler }> {
  const host = o.host ?? '127.0.0.1';
  const handler = createHandler({ ...o, host });
  const server = createServer(handler);
  server.on('close', () => void handler.close());
  await new Promise<void>((ok, ko) => {
    server.once('error', ko);
    server.listen(o.port ?? 8765, host, () => ok());
  });
  // the threads start now, not at the first design (whose progress would stand still meanwhile)
  void handler.pool.prestart();
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { server, url: `http://${shown}:${port}/`, handler };
}
