//! Discord's own description of its HTTP API (`shared/discord/openapi.json`, OpenAPI 3.1) as a
//! checker of the requests the bot made: each request is matched to its operation by method and
//! path template, its path parameters and query names are checked against the operation's
//! parameters, and its JSON body is validated against the operation's request schema with
//! `$ref`s resolved into the document, by the `jsonschema` crate.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};

/// Where the description is, from the crate root.
const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/discord/openapi.json"
);
/// The base URI under which the document is registered, so that its `$ref`s resolve.
const SPEC_URI: &str = "urn:discord:openapi";
/// The API prefix of every request path.
const API_PREFIX: &str = "/api/v10";

/// One way a request differs from Discord's description.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The operation (`create_interaction_response`), or the request when none matched.
    pub operation: String,
    /// JSON pointer into the request body, or `path:NAME` / `query:NAME` for parameters.
    pub pointer: String,
    /// The rule broken, as the validator words it.
    pub rule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {:?}: {}", self.operation, self.pointer, self.rule)
    }
}

/// One segment of a path template.
#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Parameter(String),
}

/// One operation: method, path template and where its schemas are.
#[derive(Debug)]
struct Operation {
    id: String,
    method: String,
    template: Vec<Segment>,
    /// Path parameter name → its schema.
    path_parameters: HashMap<String, Value>,
    /// Names of the query parameters.
    query_parameters: Vec<String>,
    /// The JSON request body schema, and whether a body is required.
    body: Option<(Value, bool)>,
}

/// Path parameters bound by a request: name and value.
type Bound = Vec<(String, String)>;

/// The parsed description and the validators built from it so far.
pub struct Spec {
    operations: Vec<Operation>,
    document: Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// The description, read once per test binary.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(SPEC_PATH)
            .unwrap_or_else(|e| panic!("reading Discord's OpenAPI description {SPEC_PATH}: {e}"));
        let document: Value = serde_json::from_str(&text).expect("openapi.json is JSON");
        Spec::new(document)
    })
}

/// Rewrites the document-relative `$ref`s of a schema taken out of the document so that they
/// still point into it.
fn anchored(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = match (key.as_str(), value) {
                        ("$ref", Value::String(target)) if target.starts_with('#') => {
                            Value::String(format!("{SPEC_URI}{target}"))
                        }
                        _ => anchored(value),
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(anchored).collect()),
        other => other.clone(),
    }
}

/// The object a `$ref` names, or the value itself.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => document.pointer(pointer).unwrap_or(value),
        None => value,
    }
}

impl Spec {
    fn new(document: Value) -> Spec {
        let mut operations = Vec::new();
        let paths = document["paths"].as_object().cloned().unwrap_or_default();
        for (template, item) in &paths {
            let segments = template
                .trim_start_matches('/')
                .split('/')
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => Segment::Parameter(name.to_string()),
                        None => Segment::Literal(s.to_string()),
                    },
                )
                .collect::<Vec<_>>();
            let shared_parameters = item["parameters"].as_array().cloned().unwrap_or_default();
            for method in ["get", "put", "post", "patch", "delete"] {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let mut path_parameters = HashMap::new();
                let mut query_parameters = Vec::new();
                let own = operation["parameters"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                for parameter in shared_parameters.iter().chain(&own) {
                    let parameter = resolve(&document, parameter);
                    let name = parameter["name"].as_str().unwrap_or("").to_string();
                    match parameter["in"].as_str() {
                        Some("path") => {
                            path_parameters.insert(name, parameter["schema"].clone());
                        }
                        Some("query") => query_parameters.push(name),
                        _ => {}
                    }
                }
                let request_body = resolve(&document, &operation["requestBody"]);
                let body = request_body["content"]["application/json"]
                    .get("schema")
                    .map(|schema| (schema.clone(), request_body["required"] == true));
                operations.push(Operation {
                    id: operation["operationId"]
                        .as_str()
                        .unwrap_or(template)
                        .to_string(),
                    method: method.to_uppercase(),
                    template: segments.clone(),
                    path_parameters,
                    query_parameters,
                    body,
                });
            }
        }
        Spec {
            operations,
            document,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The operation for a request path (without the API prefix), preferring the template with
    /// the most literal segments (`messages/@original` over `messages/{message_id}`), and the
    /// path parameters it binds.
    fn operation(&self, method: &str, path: &str) -> Option<(&Operation, Bound)> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<(&Operation, Bound, usize)> = None;
        for operation in self.operations.iter().filter(|o| o.method == method) {
            if operation.template.len() != parts.len() {
                continue;
            }
            let mut bound = Vec::new();
            let mut literals = 0;
            let fits = operation
                .template
                .iter()
                .zip(&parts)
                .all(|(segment, part)| match segment {
                    Segment::Literal(literal) => {
                        literals += 1;
                        literal == part
                    }
                    Segment::Parameter(name) => {
                        bound.push((name.clone(), part.to_string()));
                        true
                    }
                });
            if fits && best.as_ref().is_none_or(|(_, _, most)| literals > *most) {
                best = Some((operation, bound, literals));
            }
        }
        best.map(|(operation, bound, _)| (operation, bound))
    }

    /// A validator for a schema taken from the document, built once.
    fn validator(&self, schema: &Value) -> Arc<jsonschema::Validator> {
        let key = schema.to_string();
        let mut validators = self.validators.lock().unwrap();
        if let Some(validator) = validators.get(&key) {
            return validator.clone();
        }
        let resource = jsonschema::Draft::Draft202012.create_resource(self.document.clone());
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .with_resource(SPEC_URI, resource)
            .build(&anchored(schema))
            .unwrap_or_else(|e| panic!("a schema of Discord's description does not build: {e}"));
        let validator = Arc::new(validator);
        validators.insert(key, validator.clone());
        validator
    }

    /// Errors of `instance` against `schema`: pointer and rule. A union (`anyOf`/`oneOf`) that
    /// no branch accepts is reported with the errors of its closest branch, at any depth.
    fn errors(&self, schema: &Value, instance: &Value) -> Vec<(String, String)> {
        let validator = self.validator(schema);
        let mut found = Vec::new();
        for error in validator.iter_errors(instance) {
            flatten(&error, &mut found);
        }
        found
    }

    /// What is wrong with one request: no operation for it, a path parameter or query name
    /// the operation does not have, or a body its schema rejects.
    pub fn check(&self, method: &str, path: &str, query: &str, body: &Value) -> Vec<Violation> {
        let request = format!("{method} {path}");
        let Some(api_path) = path.strip_prefix(API_PREFIX) else {
            return vec![Violation {
                operation: request,
                pointer: String::new(),
                rule: format!("not under {API_PREFIX}"),
            }];
        };
        let Some((operation, bound)) = self.operation(method, api_path) else {
            return vec![Violation {
                operation: request,
                pointer: String::new(),
                rule: "no operation of Discord's API has this method and path".into(),
            }];
        };
        let violation = |pointer: String, rule: String| Violation {
            operation: operation.id.clone(),
            pointer,
            rule,
        };
        let mut found = Vec::new();
        for (name, value) in &bound {
            let Some(schema) = operation.path_parameters.get(name) else {
                found.push(violation(format!("path:{name}"), "undeclared".into()));
                continue;
            };
            for (_, rule) in self.errors(schema, &json!(value)) {
                found.push(violation(format!("path:{name}"), rule));
            }
        }
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let name = pair.split('=').next().unwrap_or("");
            if !operation.query_parameters.iter().any(|q| q == name) {
                found.push(violation(
                    format!("query:{name}"),
                    "not a query parameter of this operation".into(),
                ));
            }
        }
        match (&operation.body, body) {
            (Some((_, true)), Value::Null) => found.push(violation(
                String::new(),
                "a request body is required".into(),
            )),
            (Some((schema, _)), body) if !body.is_null() => {
                for (pointer, rule) in self.errors(schema, body) {
                    found.push(violation(pointer, rule));
                }
            }
            (None, body) if !body.is_null() => {
                found.push(violation(
                    String::new(),
                    "this operation takes no JSON body".into(),
                ));
            }
            _ => {}
        }
        found
    }
}

/// One validation error as (pointer, rule); a failed union is replaced by the errors of the
/// branch that came closest: not one for another kind of value, and with the fewest errors.
fn flatten(error: &jsonschema::ValidationError<'_>, found: &mut Vec<(String, String)>) {
    use jsonschema::error::ValidationErrorKind;
    let branches = match &error.kind {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            Some(context)
        }
        _ => None,
    };
    let here = error.instance_path.to_string();
    let closest = branches.and_then(|branches| {
        branches
            .iter()
            .filter(|b| !b.is_empty())
            .min_by_key(|branch| {
                // a branch rejecting the value as a whole, or its `type` field, is another kind
                let other_kind = branch.iter().any(|e| {
                    let at = e.instance_path.to_string();
                    at == here || at.ends_with("/type")
                });
                (other_kind, branch.len())
            })
    });
    match closest {
        Some(branch) => {
            for inner in branch {
                flatten(inner, found);
            }
        }
        None => found.push((
            error.instance_path.to_string(),
            format!("{error} (schema {})", error.schema_path),
        )),
    }
}
