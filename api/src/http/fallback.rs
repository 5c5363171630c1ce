//! What answers when no route matched: 405 with `Allow` when the path exists under other
//! methods, 404 otherwise — both in the error shape. The route table's own OpenAPI document says
//! which paths exist, so routes added later are covered without listing them here.

use actix_web::http::header::{HeaderValue, ALLOW};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Paths of the route table, as segments (`None` for a `{parameter}`), with their methods.
#[derive(Debug, Default)]
pub struct KnownRoutes {
    routes: Vec<(Vec<Option<String>>, Vec<String>)>,
}

impl KnownRoutes {
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments =
                    split(path).map(|s| if s.starts_with('{') { None } else { Some(s.to_owned()) }).collect();
                let methods: Vec<String> = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| m.to_owned())
                .collect();
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods path `path` answers to, if any route has that path.
    pub fn methods_for(&self, path: &str) -> Option<Vec<&str>> {
        let wanted: Vec<&str> = split(path).collect();
        // The most literal routes win: `/cases/duplicates` is not also `/cases/{id}`.
        let mut found: Vec<&str> = Vec::new();
        let mut fewest_parameters = usize::MAX;
        for (segments, methods) in &self.routes {
            let same = segments.len() == wanted.len()
                && segments.iter().zip(&wanted).all(|(s, w)| s.as_deref().is_none_or(|s| s == *w));
            if !same {
                continue;
            }
            let parameters = segments.iter().filter(|s| s.is_none()).count();
            if parameters < fewest_parameters {
                fewest_parameters = parameters;
                found.clear();
            }
            if parameters == fewest_parameters {
                found.extend(methods.iter().map(String::as_str));
            }
        }
        (!found.is_empty()).then_some(found)
    }
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

pub async fn no_route(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Err(match state.known_routes.methods_for(req.path()) {
        Some(methods) => {
            let allow = HeaderValue::from_str(&methods.join(", ")).unwrap_or(HeaderValue::from_static(""));
            ApiError::new(ErrorCode::MethodNotAllowed)
                .with_details(serde_json::json!({ "allowed": methods }))
                .with_header(ALLOW, allow)
        }
        None => ApiError::new(ErrorCode::RouteNotFound),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_with_parameters_and_collect_methods() {
        let doc = crate::app::api_document();
        let known = KnownRoutes::from_document(&doc);
        assert_eq!(known.methods_for("/healthz"), Some(vec!["GET"]));
        assert_eq!(known.methods_for("/healthz/extra"), None);
        assert_eq!(known.methods_for("/nope"), None);

        let manual = KnownRoutes { routes: vec![(vec![Some("cases".into()), None], vec!["GET".into()])] };
        assert_eq!(manual.methods_for("/cases/123"), Some(vec!["GET"]));
        assert_eq!(manual.methods_for("/cases"), None);
    }
}
