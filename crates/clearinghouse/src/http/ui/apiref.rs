//! A readable API reference, rendered on the server from the same OpenAPI
//! document that `/api/openapi.json` serves (no CDN, works air-gapped).

use askama::Template;
use askama_web::WebTemplate;

use super::{Nav, UiAuth};
use crate::http::router;

pub struct Operation {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub tag: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "apiref.html")]
pub struct ApiRefPage {
    nav: Nav,
    title: String,
    description: String,
    operations: Vec<Operation>,
}

pub async fn page(UiAuth(who): UiAuth) -> ApiRefPage {
    let doc = router::openapi();
    let mut operations = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                let prefix = if path.starts_with("/healthz")
                    || path.starts_with("/readyz")
                    || path.starts_with("/metrics")
                {
                    ""
                } else {
                    "/api/v1"
                };
                operations.push(Operation {
                    method: method.to_owned(),
                    path: format!("{prefix}{path}"),
                    summary: op.summary.clone().unwrap_or_default(),
                    description: op.description.clone().unwrap_or_default(),
                    tag: op
                        .tags
                        .as_ref()
                        .and_then(|t| t.first().cloned())
                        .unwrap_or_default(),
                });
            }
        }
    }
    operations.sort_by(|a, b| (&a.tag, &a.path).cmp(&(&b.tag, &b.path)));
    ApiRefPage {
        nav: Nav::new(&who, "api"),
        title: doc.info.title.clone(),
        description: doc.info.description.clone().unwrap_or_default(),
        operations,
    }
}
