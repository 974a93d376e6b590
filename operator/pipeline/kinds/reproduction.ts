import { reproductionKind } from "../../api/kinds/reproduction.ts";
import { reproductionChildren } from "../reproduction.ts";
import { registerKind } from "./registered-kind.ts";

/** Runs no stages and waits for nothing: it creates the resources its mode needs. */
export const reproduction = registerKind({
  definition: reproductionKind,
  references: [],
  children: reproductionChildren,
});
