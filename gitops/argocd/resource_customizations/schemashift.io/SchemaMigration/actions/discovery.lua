-- The actions Argo CD offers on a SchemaMigration. They set the same annotations the operator,
-- `kubectl schemashift` and Flux users set (schemashift.io/approve, /paused, /abort).
local actions = {}

local phase = ""
if obj.status ~= nil and obj.status.phase ~= nil then
  phase = obj.status.phase
end
local annotations = {}
if obj.metadata.annotations ~= nil then
  annotations = obj.metadata.annotations
end

local ended = phase == "Completed" or phase == "RolledBack" or phase == "Failed"
local rolling_back = phase == "RollingBack"
-- Rollback is lossless only before contract starts dropping the old shape.
local past_rollback = phase == "Contracting" or ended or rolling_back
local paused = annotations["schemashift.io/paused"] == "true" or
  (obj.spec ~= nil and obj.spec.paused == true)
local awaiting = false
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "AwaitingApproval" and c.status == "True" then
      awaiting = true
    end
  end
end

actions["approve"] = {["disabled"] = not awaiting or annotations["schemashift.io/approve"] == "true"}
actions["pause"] = {["disabled"] = paused or ended or rolling_back}
actions["resume"] = {["disabled"] = not paused}
actions["abort"] = {["disabled"] = past_rollback or annotations["schemashift.io/abort"] == "true"}
return actions
