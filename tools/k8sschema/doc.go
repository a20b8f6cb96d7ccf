// Command k8sschema writes the standalone, strict JSON schemas that
// kubeconform validates Kubernetes manifests against, generated offline
// from the OpenAPI v2 spec (api/openapi-spec/swagger.json) that the Go
// module k8s.io/kubernetes ships. It reimplements in Go what kubeconform's
// openapi2jsonschema script does with --kubernetes --strict --stand-alone,
// for only the kinds the given manifests use, since the schemas of all
// kinds, fully expanded, run to hundreds of megabytes.
//
// Usage:
//
//	k8sschema -swagger DIR/api/openapi-spec/swagger.json -out SCHEMADIR manifest.yaml...
//
// For each apiVersion and kind found in the manifests it writes
// SCHEMADIR/<kind><suffix>.json, named as kubeconform's -schema-location
// template "SCHEMADIR/{{ .ResourceKind }}{{ .KindSuffix }}.json" expects
// (job-batch-v1.json, service-v1.json). Kinds the spec does not define,
// custom resources such as the Prometheus Operator's PodMonitor, are
// listed on stderr; kubeconform must be told to -skip them.
//
// The conversion of each definition:
//   - every $ref is replaced by the (converted) definition it names, so a
//     schema stands alone; a reference cycle becomes {} (anything);
//   - IntOrString (format int-or-string) becomes string or integer, and
//     resource.Quantity becomes string or number, as YAML writes them;
//   - every object schema with properties and no additionalProperties gets
//     additionalProperties: false, so a misspelt field is an error;
//   - the top level pins apiVersion and kind with enums.
package main
