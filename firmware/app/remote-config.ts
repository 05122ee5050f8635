import * as E from "../../base/errors";
import type { DeviceBoard } from "../../boards/types";
import { checkConfig, type Config } from "./config";

/**
 * Remote configuration (<root>config/set, docs/device.md): a change is
 * checked against the board, answered on <root>config/result, and written as
 * CONFIG_TRY_FILE; the device restarts into it. Once it reaches the broker it
 * becomes the configuration in force (CONFIG_FILE). A configuration on trial
 * that does not reach the broker within CONFIG_TRIAL_MS, or a restart or
 * power cut before it did, sends the device back to the one in force
 * (firmware/app/boot.ts), and config/result says so at the next connect.
 */

/** A configuration on trial, until it reaches the broker. */
export const CONFIG_TRY_FILE = "fabmqtt.try";
/**
 * The answer config/result gets at the next connect. Written at the first
 * boot of a trial as the rollback's answer, and erased when the trial
 * reaches the broker: found at a boot with a trial still there, it means the
 * trial failed.
 */
export const CONFIG_RESULT_FILE = "fabmqtt.res";
/** How long a configuration on trial has to reach the broker. */
export const CONFIG_TRIAL_MS = 60000;

/** What changedConfig() gives: the new configuration's text, or config/result's refusal. */
export interface ConfigChange {
  ok: boolean;
  /** ok: the checked configuration as JSON; else config/result's answer ({"ok":false,"field":...,"error":...,"code":-401}). */
  text: string;
}

/**
 * Applies `change` (config/set's payload: a JSON object of fields in the
 * schema of fabmqtt.json) to `current` (the configuration in force, as
 * text): each field replaces the one in force; `wifi` and `broker` are
 * changed field by field (a new host keeps the password); null removes a
 * field. Checks the result against `board`. Never throws: a payload that is
 * not a JSON object, or a result that checkConfig refuses, gives ok false and
 * the answer naming the field.
 */
export function changedConfig(current: string, change: string, board: DeviceBoard): ConfigChange {
  function refused(field: string, error: string): ConfigChange {
    // Written as text: the device bundle's minifier writes false as 0.
    return { ok: false, text: '{"ok":false,"field":' + JSON.stringify(field) + ',"error":' + JSON.stringify(error) + ',"code":' + E.E_CONFIG + "}" };
  }
  let c: { [k: string]: any };
  let asked: { [k: string]: any };
  try {
    c = JSON.parse(current);
    asked = JSON.parse(change);
  } catch (e) {
    return refused("config", "not valid JSON");
  }
  if (!asked || typeof asked !== "object" || asked instanceof Array) return refused("config", "a JSON object of the fields to change");
  for (const k in asked) {
    const v = asked[k];
    if ((k === "wifi" || k === "broker") && v && typeof v === "object" && c[k]) {
      for (const f in v) {
        if (v[f] === null) delete c[k][f];
        else c[k][f] = v[f];
      }
    } else if (v === null) delete c[k];
    else c[k] = v;
  }
  const problem = checkConfig(c as Config, board);
  if (problem) {
    const at = problem.indexOf(": ");
    return at < 0 ? refused("config", problem) : refused(problem.substr(0, at), problem.substr(at + 2));
  }
  return { ok: true, text: JSON.stringify(c) };
}

/** The configuration `text` with its passwords replaced by "***", for the retained <root>config; "" when it is not JSON. */
export function maskedConfig(text: string): string {
  try {
    const c = JSON.parse(text);
    if (c.wifi && c.wifi.password !== undefined) c.wifi.password = "***";
    if (c.broker && c.broker.password !== undefined) c.broker.password = "***";
    return JSON.stringify(c);
  } catch (e) {
    return "";
  }
}
