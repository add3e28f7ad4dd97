-- Removes schemashift.io/paused; a manifest that itself says spec.paused: true stays paused.
if obj.metadata.annotations ~= nil then
  obj.metadata.annotations["schemashift.io/paused"] = nil
end
return obj
