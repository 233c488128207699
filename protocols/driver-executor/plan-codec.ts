import { ProtocolError } from '../errors/index.js';
import type { ActionSpec, PlanNode } from './messages.js';
import { STORAGE_LEVELS, type ActionKind, type PlanOpName, type StorageLevel, type TypedAction, type TypedPlanNode } from './plan.js';
import { decodeValue, encodeValue } from './values.js';

/**
 * The one conversion between typed plans (plan.ts) and the wire records of schemas.ts. Pure.
 *
 *   PlanNode:  id | op: string | parents | numPartitions | fns | params: null | v8(params) | persist: null | level
 *   Action:    kind: string | fns | params: null | v8(params)
 *
 * Ops and kinds without params travel with `params` null; the others always carry their bytes.
 * The decoder refuses a name it does not know (a driver newer than this executor) and an op or
 * kind that needs params but came without.
 */

/** Whether each op carries params. Also the list of op names a decoder accepts. */
const OP_HAS_PARAMS: Record<PlanOpName, boolean> = {
  parallelize: false,
  range: false,
  text: false,
  json: false,
  avro: false,
  map: false,
  flatMap: false,
  filter: false,
  keyBy: false,
  mapValues: false,
  mapPartitions: true,
  sample: true,
  union: false,
  coalesce: true,
  'shuffle-read': true,
};

/** Whether each action kind carries params. Also the list of kinds a decoder accepts. */
const KIND_HAS_PARAMS: Record<ActionKind, boolean> = {
  collect: false,
  count: false,
  reduce: false,
  foreach: false,
  take: true,
  fold: true,
  aggregate: true,
  save: true,
  'shuffle-write': true,
};

/** Every op name, in no particular order (for tests and messages). */
export const PLAN_OPS = Object.keys(OP_HAS_PARAMS) as PlanOpName[];
/** Every action kind. */
export const ACTION_KINDS = Object.keys(KIND_HAS_PARAMS) as ActionKind[];

/** A stage plan names an op or action kind this side does not know, or lacks params it needs. */
export class PlanDecodeError extends ProtocolError {
  override readonly name: string = 'PlanDecodeError';
  constructor(
    message: string,
    /** 'op' or 'persist' (storage level) of a plan node, or 'action' kind. */
    readonly part: 'op' | 'persist' | 'action',
    /** The op or kind as it came over the wire. */
    readonly value: string,
  ) {
    super(message);
  }
}

function isOp(op: string): op is PlanOpName {
  return Object.hasOwn(OP_HAS_PARAMS, op);
}

function isKind(kind: string): kind is ActionKind {
  return Object.hasOwn(KIND_HAS_PARAMS, kind);
}

/** The wire record of a plan node; `what` names the node in a serialization error. */
export function encodePlanNode(node: TypedPlanNode, what: string = `plan node ${node.id} (${node.op})`): PlanNode {
  return {
    id: node.id,
    op: node.op,
    parents: node.parents,
    numPartitions: node.numPartitions,
    fns: node.fns,
    params: node.params === null ? null : encodeValue(node.params, `parameters of ${what}`),
    persist: node.persist ?? null,
  };
}

/** The typed plan node of a wire record. Throws PlanDecodeError for an op this side cannot run. */
export function decodePlanNode(node: PlanNode): TypedPlanNode {
  const { op } = node;
  if (!isOp(op)) {
    const message = `driver-executor: plan node ${node.id} has the op '${op}', which this executor cannot run (older than the driver?)`;
    throw new PlanDecodeError(message, 'op', op);
  }
  const params = OP_HAS_PARAMS[op] ? requiredParams(node.params, 'op', op, `plan node ${node.id}`) : null;
  const persist = node.persist ?? null;
  if (persist !== null && !STORAGE_LEVELS.includes(persist as StorageLevel)) {
    const message = `driver-executor: plan node ${node.id} is persisted at level '${persist}', which this executor does not know`;
    throw new PlanDecodeError(message, 'persist', persist);
  }
  // The table above pairs each op with whether it has params; the params' shape is the sender's word.
  const typed = { id: node.id, op, parents: node.parents, numPartitions: node.numPartitions, fns: node.fns, params } as TypedPlanNode;
  return persist === null ? typed : { ...typed, persist: persist as StorageLevel };
}

/** The wire record of a stage's action; `what` names it in a serialization error. */
export function encodeAction(action: TypedAction, what: string = action.kind): ActionSpec {
  return {
    kind: action.kind,
    fns: action.fns,
    params: action.params === null ? null : encodeValue(action.params, `parameters of ${what}`),
  };
}

/** The typed action of a wire record. Throws PlanDecodeError for a kind this side cannot run. */
export function decodeAction(action: ActionSpec): TypedAction {
  const { kind } = action;
  if (!isKind(kind)) {
    const message = `driver-executor: the stage's action is '${kind}', which this executor cannot run (older than the driver?)`;
    throw new PlanDecodeError(message, 'action', kind);
  }
  const params = KIND_HAS_PARAMS[kind] ? requiredParams(action.params, 'action', kind, 'the action') : null;
  return { kind, fns: action.fns, params } as TypedAction;
}

function requiredParams(bytes: Buffer | null, part: 'op' | 'action', name: string, where: string): unknown {
  if (bytes === null) throw new PlanDecodeError(`driver-executor: ${where} (${name}) came without its parameters`, part, name);
  return decodeValue(bytes);
}
