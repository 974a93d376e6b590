-- Argo CD health of a mammoflow resource. Every kind shares one status shape (phase,
-- conditions, observedGeneration, progress), so one script serves all six kinds.
-- Argo CD runs it as a function body with the resource bound to the global `obj`.
local hs = {}

local function condition(kind)
  if obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function describe(c, fallback)
  if c == nil then
    return fallback
  end
  if c.message ~= nil and c.message ~= "" then
    return c.reason .. ": " .. c.message
  end
  return c.reason
end

if obj.status == nil or obj.status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the mammoflow operator to pick up the resource"
  return hs
end

local generation = obj.metadata and obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to act on generation " .. generation
  return hs
end

local phase = obj.status.phase
local progress = obj.status.progress and obj.status.progress.summary or nil
if phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = describe(condition("Succeeded"), "Succeeded")
elseif phase == "Failed" then
  hs.status = "Degraded"
  hs.message = describe(condition("Failed"), "Failed")
elseif phase == "Suspended" then
  -- spec.suspend holds it (no stage starts, the running Job is suspended): the user's choice.
  hs.status = "Suspended"
  hs.message = describe(condition("Suspended"), "Suspended")
elseif phase == "Queued" then
  -- Kueue holds its Job (or, for a Reproduction, its children's): waiting for quota is progress
  -- the cluster makes by itself, and the Ready message says which Job or child waits in which queue.
  hs.status = "Progressing"
  hs.message = describe(condition("Ready"), "Queued")
elseif phase == "Blocked" then
  -- Waiting for an input resource (a detector, a dataset, folds): an external event.
  hs.status = "Suspended"
  hs.message = describe(condition("Blocked"), "Waiting for inputs")
else
  hs.status = "Progressing"
  if progress ~= nil then
    hs.message = phase .. ", " .. progress .. " stages done"
  else
    hs.message = phase
  end
end
return hs
