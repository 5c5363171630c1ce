//! Redemption over HTTP (兑商品、兑服务、兑信用): a village's catalog kept by its cadres, orders
//! placed by its residents (points held and stock reserved in one transaction, never below
//! zero), handed over or cancelled (both returned) by staff.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use domain::identity::ids::OrgUnitId;
use domain::paging::PageLimit;
use domain::points::{ItemId, OrderId};
use infra::points::redemption::{self, OrdersOf, Window};
use utoipa_actix_web::service_config::ServiceConfig;

use super::redemption_dto::*;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_points_item)
        .service(change_points_item)
        .service(list_points_items)
        .service(create_points_order)
        .service(my_points_orders)
        .service(unit_points_orders)
        .service(hand_over_points_order)
        .service(cancel_points_order);
}

/// A list's window from `?cursor=&limit=` (positions are ids, newest first).
pub(crate) fn window(
    state: &AppState,
    list: &str,
    cursor: Option<&String>,
    limit: PageLimit,
) -> Result<Window, ApiError> {
    let before: Option<String> = cursor.map(|c| state.cursors.decode(list, c)).transpose()?;
    Ok(Window { before, limit: limit.probe() })
}

fn order_page(
    state: &AppState,
    list: &str,
    rows: Vec<redemption::OrderView>,
    limit: PageLimit,
) -> Result<PointsOrderPage, ApiError> {
    let page = Page::from_probe(rows, limit, &state.cursors, list, |o| o.row.id.clone())?;
    Ok(PointsOrderPage {
        items: page.items.into_iter().map(PointsOrderView::from).collect(),
        next_cursor: page.next_cursor,
    })
}

/// Adds an item (goods, a service or a credit benefit) to a village's catalog, with its price
/// in points and its stock (`village_cadre`, `township_officer`, `county_admin`, `admin`).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path, description = "A village")),
    request_body = PointsItemBody,
    responses(
        (status = 201, body = PointsItemView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Invalid (the field is named), or the unit is not a village", body = ErrorBody),
    )
)]
#[post("/org-units/{id}/points/items")]
pub async fn create_points_item(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    body: Json<PointsItemBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, new) = (meta.caller(auth.0), state.clock.now().naive_utc(), body.into_inner().parse()?);
    let unit = id.into_inner().into_string();
    let row = state.db.run(move |conn| redemption::create_item(conn, &caller, &unit, &new, now)).await?;
    Ok(HttpResponse::Created().json(PointsItemView::from(row)))
}

/// Changes an item: name, description, price, whether it is offered, and its stock by a
/// restock or write-off (`stock_delta`; below zero is 409 `out_of_stock`).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    request_body = PointsItemChange,
    responses(
        (status = 200, body = PointsItemView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The stock would go below zero (out_of_stock)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[patch("/points/items/{id}")]
pub async fn change_points_item(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<ItemId>,
    body: Json<PointsItemChange>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, change) = (meta.caller(auth.0), state.clock.now().naive_utc(), body.into_inner().parse()?);
    let id = id.into_inner().into_string();
    let row = state.db.run(move |conn| redemption::change_item(conn, &caller, &id, &change, now)).await?;
    Ok(HttpResponse::Ok().json(PointsItemView::from(row)))
}

/// A village's catalog, newest first: staff who read its points see every item, its
/// residents the items on offer.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = PointsItemPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/points/items")]
pub async fn list_points_items(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, limit) = (auth.0, id.into_inner().into_string(), PageLimit::parse(query.limit)?);
    let window = window(&state, "points_items", query.cursor.as_ref(), limit)?;
    let rows = state.db.run(move |conn| redemption::items(conn, &principal, &unit, &window)).await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "points_items", |i| i.id.clone())?;
    let items = page.items.into_iter().map(PointsItemView::from).collect();
    Ok(HttpResponse::Ok().json(PointsItemPage { items, next_cursor: page.next_cursor }))
}

/// Orders an item of the caller's village: the points are spent and the stock reserved at
/// once, or nothing happens (409 `insufficient_points` or `out_of_stock`). Send an
/// `Idempotency-Key`: a retry then answers the first order instead of ordering again.
#[utoipa::path(
    tag = "points",
    request_body = PointsOrderBody,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _")),
    responses(
        (status = 201, body = PointsOrderView),
        (status = 403, description = "Staff of the village who do not live there", body = ErrorBody),
        (status = 404, description = "No such item in the caller's village", body = ErrorBody),
        (status = 409, description = "insufficient_points or out_of_stock", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/orders")]
pub async fn create_points_order(
    state: web::Data<AppState>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (principal, now) = (auth.0, state.clock.now().naive_utc());
    let new = crate::http::json::parse_bytes::<PointsOrderBody>(&req, &body)?.parse()?;
    let key = idempotency::key_from(&req, &principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(PointsOrderView::from(redemption::order_in_tx(conn, &principal, &new, now)?))
    })
    .await
}

/// The caller's own orders, newest first.
#[utoipa::path(tag = "points", params(PageQuery), responses((status = 200, body = PointsOrderPage), (status = 422, body = ErrorBody)))]
#[get("/me/points/orders")]
pub async fn my_points_orders(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, limit) = (auth.0, PageLimit::parse(query.limit)?);
    let window = window(&state, "my_points_orders", query.cursor.as_ref(), limit)?;
    let rows = state.db.run(move |conn| redemption::orders(conn, &principal, &OrdersOf::Mine, &window)).await?;
    Ok(HttpResponse::Ok().json(order_page(&state, "my_points_orders", rows, limit)?))
}

/// A unit's orders (a village, or all villages below), newest first, optionally of one status
/// (`village_cadre`, `township_officer`, `county_admin`, `admin`).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), PointsOrderQuery),
    responses((status = 200, body = PointsOrderPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/points/orders")]
pub async fn unit_points_orders(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<PointsOrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, limit, status) = (auth.0, PageLimit::parse(query.limit)?, query.status()?);
    let of = OrdersOf::Unit { unit_id: id.into_inner().into_string(), status };
    let window = window(&state, "points_orders", query.cursor.as_ref(), limit)?;
    let rows = state.db.run(move |conn| redemption::orders(conn, &principal, &of, &window)).await?;
    Ok(HttpResponse::Ok().json(order_page(&state, "points_orders", rows, limit)?))
}

/// Marks an order handed over (staff who review points over its village); the orderer is told.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = PointsOrderView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not ordered any more (invalid_transition)", body = ErrorBody),
    )
)]
#[post("/points/orders/{id}/hand-over")]
pub async fn hand_over_points_order(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrderId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner().into_string());
    let view = state.db.run(move |conn| redemption::hand_over(conn, &caller, &id, now)).await?;
    Ok(HttpResponse::Ok().json(PointsOrderView::from(view)))
}

/// Cancels an order (its orderer while ordered, or staff who review points over its village):
/// the points and the stock are returned, once; the orderer is told.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    request_body = PointsOrderCancelBody,
    responses(
        (status = 200, body = PointsOrderView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Handed over or cancelled already (invalid_transition)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/orders/{id}/cancel")]
pub async fn cancel_points_order(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrderId>,
    body: Json<PointsOrderCancelBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, reason) = (meta.caller(auth.0), state.clock.now().naive_utc(), body.into_inner().parse()?);
    let id = id.into_inner().into_string();
    let view = state.db.run(move |conn| redemption::cancel(conn, &caller, &id, &reason, now)).await?;
    Ok(HttpResponse::Ok().json(PointsOrderView::from(view)))
}
