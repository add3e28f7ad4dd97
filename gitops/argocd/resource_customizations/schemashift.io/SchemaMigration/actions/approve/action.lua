-- Sets schemashift.io/approve=true; the operator acts on it at its next reconcile.
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["schemashift.io/approve"] = "true"
return obj
