-- Argo CD health of a schemashift.io SchemaMigration, from what the operator writes: the
-- kstatus conditions (Ready, Reconciling, Stalled) and the domain ones (Paused,
-- AwaitingApproval). Completed is Healthy; RolledBack and Failed are Degraded; a migration
-- that waits for a person (paused, or contract awaiting approval) is Suspended; everything
-- else, including one no operator has looked at yet, is Progressing.
local hs = {}

local function condition(ctype)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == ctype then
      return c
    end
  end
  return nil
end

local function is_true(ctype)
  local c = condition(ctype)
  return c ~= nil and c.status == "True"
end

local function message_of(ctype, fallback)
  local c = condition(ctype)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return fallback
end

if obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Being deleted: the operator is releasing the migration's database fence"
  return hs
end

if obj.status == nil or obj.status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the schemashift operator to reconcile the migration"
  return hs
end

if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil and
    obj.status.observedGeneration ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. obj.metadata.generation
  return hs
end

local phase = obj.status.phase

if phase == "Completed" then
  hs.status = "Healthy"
  hs.message = message_of("Ready", "Migration completed")
  return hs
end

if phase == "RolledBack" then
  hs.status = "Degraded"
  if obj.status.rollbackReason ~= nil and obj.status.rollbackReason ~= "" then
    hs.message = "Rolled back: " .. obj.status.rollbackReason
  else
    hs.message = message_of("Ready", "Rolled back")
  end
  return hs
end

if phase == "Failed" or is_true("Stalled") then
  hs.status = "Degraded"
  hs.message = message_of("Stalled", message_of("Ready", "Migration failed"))
  return hs
end

if is_true("Paused") then
  hs.status = "Suspended"
  hs.message = message_of("Paused", "Paused")
  return hs
end

if is_true("AwaitingApproval") then
  hs.status = "Suspended"
  hs.message = message_of("AwaitingApproval", "Waiting for approval to contract")
  return hs
end

hs.status = "Progressing"
hs.message = message_of("Ready", "Phase " .. phase)
return hs
