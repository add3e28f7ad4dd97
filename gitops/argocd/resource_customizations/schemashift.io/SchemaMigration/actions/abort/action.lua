-- Sets schemashift.io/abort=true; the operator acts on it at its next reconcile.
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["schemashift.io/abort"] = "true"
return obj
