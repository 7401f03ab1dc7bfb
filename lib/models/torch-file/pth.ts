import { usageError } from "../../errors/index.ts";
import { PyDict, PyExternal, PyGlobal, PyTuple, unpickle, type PyValue, type UnpicklerHooks } from "./pickle.ts";
import { DTYPE_BYTES, decodeElements, elementCount, gatherStrided, type StateDict, type TorchDtype } from "./tensor.ts";
import { ZipArchive } from "./zip.ts";

/** torch's typed storages (what a state dict's persistent ids name) and their element types. */
const STORAGES: Readonly<Record<string, TorchDtype>> = {
  FloatStorage: "float32", DoubleStorage: "float64", HalfStorage: "float16", BFloat16Storage: "bfloat16",
  LongStorage: "int64", IntStorage: "int32", ShortStorage: "int16", CharStorage: "int8", ByteStorage: "uint8", BoolStorage: "bool",
};

/** Every global a torch.save'd state dict needs; a pickle naming anything else is refused. */
export const ALLOWED_GLOBALS: readonly string[] = [
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
  ...Object.keys(STORAGES).map((s) => `torch.${s}`),
];

/** A storage named by a persistent id: archive member `data/<key>`. */
class StorageRef {
  constructor(readonly dtype: TorchDtype, readonly key: string, readonly numel: number) {}
}

/** A tensor as pickled: a view into a storage. */
class TensorRef {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}

/** Wrapper keys under which training scripts commonly save the model's state dict in a larger checkpoint. */
const WRAPPER_KEYS = ["state_dict", "model_state_dict", "model"] as const;

/**
 * Reads a `torch.save` file (PyTorch ≥ 1.6 zip format: `<name>/data.pkl`, `<name>/data/<key>`
 * storages, optional `<name>/byteorder`) holding a state dict, e.g. torchvision's
 * `efficientnet_b0_rwightman-7f5810bc.pth`, without executing anything: data.pkl is interpreted
 * by `unpickle` with only ALLOWED_GLOBALS accepted. A checkpoint dict that wraps the state dict
 * under `state_dict`, `model_state_dict` or `model` is unwrapped; a `module.` prefix on every
 * key (nn.DataParallel) is removed.
 */
export function readPth(bytes: Uint8Array, file: string): StateDict {
  const zip = new ZipArchive(bytes, file);
  const pickles = zip.names().filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw usageError("pretrained_unreadable", `${file}: expected one <name>/data.pkl in the torch.save archive, found ${pickles.length === 0 ? "none" : pickles.join(", ")}`);
  }
  const prefix = (pickles[0] as string).slice(0, -"data.pkl".length);
  const byteorder = zip.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() : "little";
  if (byteorder !== "little" && byteorder !== "big") throw usageError("pretrained_unreadable", `${file}: unknown byteorder record ${JSON.stringify(byteorder)}`);

  const root = unpickle(zip.read(pickles[0] as string), stateDictHooks(file), `${file} (${pickles[0]})`);
  const dict = unwrap(root, file);
  const storages = new Map<string, Float32Array>();
  const out: StateDict = new Map();
  const keys = [...dict.entries.keys()];
  const strip = keys.length > 0 && keys.every((k) => typeof k === "string" && k.startsWith("module.")) ? "module.".length : 0;
  for (const [key, value] of dict.entries) {
    const name = String(key).slice(strip);
    const ref = (value as PyExternal<TensorRef>).value;
    let storage = storages.get(ref.storage.key);
    if (storage === undefined) {
      const member = `${prefix}data/${ref.storage.key}`;
      const raw = zip.read(member);
      const needed = ref.storage.numel * DTYPE_BYTES[ref.storage.dtype];
      if (raw.byteLength < needed) throw usageError("pretrained_unreadable", `${file}: storage ${member} has ${raw.byteLength} bytes, ${ref.storage.numel} ${ref.storage.dtype} elements need ${needed}`);
      storage = decodeElements(raw, ref.storage.dtype, 0, ref.storage.numel, byteorder === "little");
      storages.set(ref.storage.key, storage);
    }
    out.set(name, { dtype: ref.storage.dtype, shape: ref.shape, values: gatherStrided(storage, ref.offset, ref.shape, ref.stride, `${file}: tensor ${name}`) });
  }
  return out;
}

/** The allowlist and the few constructors a state dict pickle calls, as unpickle hooks. */
function stateDictHooks(file: string): UnpicklerHooks {
  const bad = (message: string, at: number) => usageError("pretrained_unreadable", `${file}: ${message} (data.pkl byte ${at})`);
  return {
    global(module, name, at) {
      const qualified = `${module}.${name}`;
      if (!ALLOWED_GLOBALS.includes(qualified)) {
        throw usageError(
          "pretrained_refused",
          `${file}: refusing to load: its pickle names the global ${qualified} (data.pkl byte ${at}), which a state dict never needs; ` +
            `loading a .pth must not run code, so only ${ALLOWED_GLOBALS.slice(0, 3).join(", ")} and torch's *Storage types are accepted`,
        );
      }
      return new PyGlobal(module, name);
    },
    call(callable, args, at) {
      const a = args.items;
      switch (callable.qualified) {
        case "collections.OrderedDict":
          if (a.length !== 0) throw bad("OrderedDict built from arguments", at);
          return new PyDict();
        case "torch._utils._rebuild_tensor_v2": {
          // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
          const [storage, offset, size, stride, , hooks] = a;
          if (a.length < 6 || !(storage instanceof PyExternal) || !(storage.value instanceof StorageRef) || typeof offset !== "number" || !isIntTuple(size) || !isIntTuple(stride) || size.items.length !== stride.items.length) {
            throw bad("_rebuild_tensor_v2 with unexpected arguments", at);
          }
          if (!(hooks instanceof PyDict) || hooks.entries.size > 0) throw bad("a tensor with backward hooks", at);
          const tensor = new TensorRef(storage.value, offset, size.items as number[], stride.items as number[]);
          if (elementCount(tensor.shape) > 0 && offset + tensor.shape.reduce((s, d, k) => s + (d - 1) * (tensor.stride[k] as number), 0) >= storage.value.numel) {
            throw bad(`a tensor of shape [${tensor.shape.join(", ")}] reaching past its storage of ${storage.value.numel} elements`, at);
          }
          return new PyExternal(tensor);
        }
        case "torch._utils._rebuild_parameter": {
          // (data, requires_grad, backward_hooks): the parameter's data is the tensor we want
          const [data] = a;
          if (!(data instanceof PyExternal) || !(data.value instanceof TensorRef)) throw bad("_rebuild_parameter without a tensor", at);
          return data;
        }
        default:
          throw bad(`${callable.qualified} called (only OrderedDict and the tensor constructors are)`, at);
      }
    },
    persistent(pid, at) {
      // ('storage', torch.FloatStorage, '<key>', '<location>', numel)
      if (!(pid instanceof PyTuple) || pid.items.length !== 5 || pid.items[0] !== "storage") throw bad("a persistent id that is not a storage", at);
      const [, type, key, , numel] = pid.items;
      if (!(type instanceof PyGlobal) || type.module !== "torch" || STORAGES[type.name] === undefined || typeof key !== "string" || typeof numel !== "number" || numel < 0) {
        throw bad("a malformed storage persistent id", at);
      }
      if (!/^[A-Za-z0-9_]+$/.test(key)) throw bad(`storage key ${JSON.stringify(key)}`, at);
      return new PyExternal(new StorageRef(STORAGES[type.name] as TorchDtype, key, numel));
    },
  };
}

function isIntTuple(v: PyValue | undefined): v is PyTuple {
  return v instanceof PyTuple && v.items.every((x) => typeof x === "number" && Number.isInteger(x));
}

function isTensorDict(v: PyValue | undefined): v is PyDict {
  return v instanceof PyDict && v.entries.size > 0 && [...v.entries].every(([k, x]) => typeof k === "string" && x instanceof PyExternal && x.value instanceof TensorRef);
}

/** The state dict itself, or the one a checkpoint dict wraps; anything else is an error describing what was found. */
function unwrap(root: PyValue, file: string): PyDict {
  if (isTensorDict(root)) return root;
  if (root instanceof PyDict) {
    for (const key of WRAPPER_KEYS) {
      const inner = root.entries.get(key);
      if (isTensorDict(inner)) return inner;
    }
    const keys = [...root.entries.keys()].slice(0, 8).map(String);
    const nonTensor = [...root.entries].find(([, v]) => !(v instanceof PyExternal));
    throw usageError(
      "pretrained_unreadable",
      `${file}: not a state dict of tensors (keys ${keys.join(", ")}${root.entries.size > 8 ? ", …" : ""}${nonTensor ? `; ${String(nonTensor[0])} is not a tensor` : ""}); save model.state_dict() or a dict holding it under ${WRAPPER_KEYS.join(" / ")}`,
    );
  }
  throw usageError("pretrained_unreadable", `${file}: the pickle holds no dict (a whole pickled model is not read: save model.state_dict())`);
}
