//! Loading the official schemas, validating instances against one definition, and a checker
//! for members a revision does not define.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use oxmcp_types::ProtocolVersion;
use serde_json::{Map, Value};

/// One revision's schema document.
pub struct Schema {
    pub version: ProtocolVersion,
    pub doc: Value,
    defs_key: &'static str,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

/// The schema of `version`, read once from the shared spec directory.
pub fn schema(version: ProtocolVersion) -> &'static Schema {
    static CACHE: OnceLock<Vec<Schema>> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        ProtocolVersion::EVERY
            .into_iter()
            .map(Schema::load)
            .collect()
    });
    all.iter().find(|s| s.version == version).unwrap()
}

impl Schema {
    fn load(version: ProtocolVersion) -> Self {
        // The official schemas live beside the repository, in `../shared/spec` (they are
        // not copied into it); `OXMCP_SHARED_DIR` points elsewhere when needed.
        let shared = std::env::var("OXMCP_SHARED_DIR")
            .unwrap_or_else(|_| format!("{}/../../../shared", env!("CARGO_MANIFEST_DIR")));
        let path = format!("{shared}/spec/{version}/schema.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the official MCP schema {path} cannot be read ({e}): these tests need the \
                 `shared` folder (spec/<version>/schema.json) beside the clone, or \
                 OXMCP_SHARED_DIR set to it"
            )
        });
        let doc: Value = serde_json::from_str(&text).unwrap();
        let defs_key = if doc.get("$defs").is_some() {
            "$defs"
        } else {
            "definitions"
        };
        Self {
            version,
            doc,
            defs_key,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// Definition name to definition.
    pub fn defs(&self) -> &Map<String, Value> {
        self.doc[self.defs_key].as_object().unwrap()
    }

    fn validator(&self, name: &str) -> std::sync::Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().unwrap();
        cache
            .entry(name.to_owned())
            .or_insert_with(|| {
                // The whole document is the resource, its root a `$ref` to the definition.
                let mut doc = self.doc.clone();
                doc["$ref"] = Value::String(format!("#/{}/{name}", self.defs_key));
                let v = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&doc)
                    .unwrap_or_else(|e| panic!("{} {name}: {e}", self.version));
                std::sync::Arc::new(v)
            })
            .clone()
    }

    /// Validates `instance` against definition `name`; the errors as text.
    pub fn validate(&self, name: &str, instance: &Value) -> Result<(), String> {
        let v = self.validator(name);
        let errors: Vec<String> = v
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// Members of `instance` at positions where definition `name` lists the members and
    /// does not allow others, that are not among them. The old schemas have no
    /// `additionalProperties: false`, so plain validation cannot see a newer member.
    ///
    /// Allowed beyond the listed members: `jsonrpc` and `id` at the root (the old request
    /// definitions list only `method` and `params`), `_meta` directly inside `params` (every
    /// revision's base `Request`/`Notification` has it, though the generated inline params
    /// omit it). Not walked: the contents of `_meta` and of `inputSchema`/`outputSchema`
    /// (JSON Schema documents, open by nature).
    pub fn unknown_members(&self, name: &str, instance: &Value) -> Vec<String> {
        let mut out = Vec::new();
        let node = Value::String(format!("#/{}/{name}", self.defs_key));
        self.walk(&serde_json::json!({"$ref": node}), instance, "", &mut out);
        out
    }

    fn resolve<'a>(&'a self, mut node: &'a Value) -> &'a Value {
        while let Some(r) = node.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap();
            node = &self.defs()[name];
        }
        node
    }

    fn walk(&self, node: &Value, inst: &Value, path: &str, out: &mut Vec<String>) {
        let node = self.resolve(node);
        if let Some(branches) = node
            .get("anyOf")
            .or_else(|| node.get("oneOf"))
            .and_then(Value::as_array)
        {
            self.walk_any(branches, inst, path, out);
            return;
        }
        let (props, open, extra_schema) = self.object_shape(node);
        match inst {
            Value::Object(obj) => {
                for (k, v) in obj {
                    let sub_path = format!("{path}/{k}");
                    if let Some(subs) = props.get(k.as_str()) {
                        if k == "_meta" || k == "inputSchema" || k == "outputSchema" {
                            continue;
                        }
                        for sub in subs {
                            self.walk(sub, v, &sub_path, out);
                        }
                    } else if (k == "_meta" && path.ends_with("/params"))
                        || (path.is_empty() && (k == "jsonrpc" || k == "id"))
                    {
                        // Allowed beyond the listed members; see above.
                    } else if !open && !props.is_empty() {
                        out.push(sub_path);
                    } else if let Some(s) = extra_schema {
                        self.walk(s, v, &sub_path, out);
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = node.get("items").filter(|i| i.is_object()) {
                    for (i, v) in items.iter().enumerate() {
                        self.walk(item_schema, v, &format!("{path}/{i}"), out);
                    }
                }
            }
            _ => {}
        }
    }

    /// The listed members (a member may be listed by several `allOf` branches), whether
    /// others are allowed, and the schema of the others.
    fn object_shape<'a>(
        &'a self,
        node: &'a Value,
    ) -> (HashMap<&'a str, Vec<&'a Value>>, bool, Option<&'a Value>) {
        let mut props: HashMap<&str, Vec<&Value>> = HashMap::new();
        let mut open = false;
        let mut extra = None;
        let parts: Vec<&Value> = match node.get("allOf").and_then(Value::as_array) {
            Some(all) => all.iter().map(|b| self.resolve(b)).collect(),
            None => vec![node],
        };
        for part in parts {
            let p = part.get("properties").and_then(Value::as_object);
            if p.is_none() {
                open = true;
            }
            for (k, v) in p.into_iter().flatten() {
                props.entry(k.as_str()).or_default().push(v);
            }
            match part.get("additionalProperties") {
                None | Some(Value::Bool(false)) => {}
                Some(Value::Object(o)) if !o.is_empty() => {
                    open = true;
                    extra = part.get("additionalProperties");
                }
                Some(_) => open = true,
            }
        }
        (props, open, extra)
    }

    fn walk_any(&self, branches: &[Value], inst: &Value, path: &str, out: &mut Vec<String>) {
        let mut best: Option<Vec<String>> = None;
        for b in branches {
            let b = self.resolve(b);
            if !self.eligible(b, inst) {
                continue;
            }
            let mut found = Vec::new();
            self.walk(b, inst, path, &mut found);
            if found.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|f| found.len() < f.len()) {
                best = Some(found);
            }
        }
        match best {
            Some(found) => out.extend(found),
            None => out.push(format!("{path} (matches no branch)")),
        }
    }

    /// Whether the instance's JSON type and constant members fit a branch.
    fn eligible(&self, branch: &Value, inst: &Value) -> bool {
        let type_ok = match branch.get("type").and_then(Value::as_str) {
            Some("object") => inst.is_object(),
            Some("array") => inst.is_array(),
            Some("string") => inst.is_string(),
            Some("boolean") => inst.is_boolean(),
            Some("integer" | "number") => inst.is_number(),
            _ => true,
        };
        let consts_ok = branch
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .all(|(k, p)| match (p.get("const"), inst.get(k)) {
                (Some(c), Some(v)) => c == v,
                _ => true,
            });
        type_ok && consts_ok
    }
}
