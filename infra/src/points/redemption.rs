//! Redemption (兑商品、兑服务、兑信用) in the database: a village's catalog and residents'
//! orders. An order reserves stock with a conditional update and spends the points through the
//! ledger's guarded append in ONE write transaction, so neither a balance nor a stock ever goes
//! below zero whatever the concurrency: the database decides between parallel orders. A
//! cancellation returns both, once (a conditional status update decides between two cancels).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::identity::principal::Principal;
use domain::identity::roles::{Denial, Permission, Place};
use domain::points::ledger::{HolderKind, LedgerKind};
use domain::points::redemption::{self as rules, ItemKind, OrderAction, OrderStatus};
use domain::points::rules::Subject;
use domain::points::{ItemId, OrderId};
use serde_json::json;

use super::ledger::{self, Holder, NewRow};
use super::rows::{ItemRow, OrderRow};
use super::PointsError;
use crate::db::write_tx;
use crate::identity::audit;
use crate::identity::audit::Caller;
use crate::identity::queries::{org, residency, users};
use crate::schema::points_items::dsl as it;
use crate::schema::points_orders::dsl as o;
use crate::DbConn;

/// The notice an orderer gets when the order is handed over or cancelled.
pub const POINTS_ORDER: &str = "points_order";

/// Where a unit sits: its id path from the root (404 when there is no such unit).
pub(crate) fn unit_place(conn: &mut DbConn, unit_id: &str) -> Result<Place, PointsError> {
    org::place_of(conn, unit_id)?.ok_or(PointsError::NotFound)
}

/// A unit where the catalog and dividends are kept: a village (county → township → village).
pub(crate) fn require_village(place: &Place) -> Result<(), PointsError> {
    if place.org_path.len() == 3 {
        Ok(())
    } else {
        Err(PointsError::invalid("id", "a village"))
    }
}

/// Whether `user_id` lives (an approved residency) in the unit at `place` or below it.
pub(crate) fn lives_in(conn: &mut DbConn, user_id: &str, place: &Place) -> Result<bool, PointsError> {
    Ok(residency::lives_in(conn, user_id, &place.org_path)?)
}

/// A new catalog item, checked.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub kind: ItemKind,
    pub name: String,
    pub description: String,
    pub price: i32,
    pub stock: i32,
}

/// A change to an item; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ItemChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<i32>,
    pub active: Option<bool>,
    /// Restock (above zero) or write off (below); the stock never goes below zero.
    pub stock_delta: Option<i32>,
}

#[derive(AsChangeset)]
#[diesel(table_name = crate::schema::points_items)]
struct ItemPatch<'a> {
    name: Option<&'a str>,
    description: Option<&'a str>,
    price: Option<i32>,
    active: Option<bool>,
    updated_at: NaiveDateTime,
}

/// A list's position: newest first, before the cursor id, at most `limit` (+1 to probe).
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub before: Option<String>,
    pub limit: i64,
}

fn find_item(conn: &mut DbConn, id: &str) -> Result<Option<ItemRow>, PointsError> {
    Ok(it::points_items.filter(it::id.eq(id)).select(ItemRow::as_select()).first(conn).optional()?)
}

fn find_order(conn: &mut DbConn, id: &str) -> Result<Option<OrderRow>, PointsError> {
    Ok(o::points_orders.filter(o::id.eq(id)).select(OrderRow::as_select()).first(conn).optional()?)
}

fn record(
    caller: &Caller,
    conn: &mut DbConn,
    action: &str,
    kind: &str,
    id: &str,
    details: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), PointsError> {
    let entry = caller.origin.entry(Some(&caller.principal), action, kind, id, details);
    audit::append(conn, &entry, now)?;
    Ok(())
}

/// Adds an item to a village's catalog (`ManagePoints` over the village).
pub fn create_item(
    conn: &mut DbConn,
    caller: &Caller,
    unit_id: &str,
    new: &NewItem,
    now: NaiveDateTime,
) -> Result<ItemRow, PointsError> {
    write_tx(conn, |conn| create_item_in_tx(conn, caller, unit_id, new, now))
}

/// [`create_item`] in the caller's write transaction (the demo's seeding).
pub fn create_item_in_tx(
    conn: &mut DbConn,
    caller: &Caller,
    unit_id: &str,
    new: &NewItem,
    now: NaiveDateTime,
) -> Result<ItemRow, PointsError> {
    {
        let place = unit_place(conn, unit_id)?;
        caller.principal.require(&place, Permission::ManagePoints)?;
        require_village(&place)?;
        let row = ItemRow {
            id: ItemId::generate().into_string(),
            org_unit_id: unit_id.to_owned(),
            kind: new.kind.as_str().to_owned(),
            name: new.name.clone(),
            description: new.description.clone(),
            price: new.price,
            stock: new.stock,
            active: true,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(it::points_items).values(&row).execute(conn)?;
        let details = json!({ "unit_id": unit_id, "name": row.name, "price": row.price, "stock": row.stock });
        record(caller, conn, "points.item.create", "points_item", &row.id, details, now)?;
        Ok(row)
    }
}

/// Changes an item (`ManagePoints` over its village): its texts, price and whether it is
/// offered; a stock change is one conditional update, refused with `OutOfStock` when it would
/// take the stock below zero (orders may have reserved what a write-off counted on).
pub fn change_item(
    conn: &mut DbConn,
    caller: &Caller,
    item_id: &str,
    change: &ItemChange,
    now: NaiveDateTime,
) -> Result<ItemRow, PointsError> {
    write_tx(conn, |conn| {
        let item = find_item(conn, item_id)?.ok_or(PointsError::NotFound)?;
        let place = unit_place(conn, &item.org_unit_id)?;
        caller.principal.require(&place, Permission::ManagePoints)?;
        let patch = ItemPatch {
            name: change.name.as_deref(),
            description: change.description.as_deref(),
            price: change.price,
            active: change.active,
            updated_at: now,
        };
        diesel::update(it::points_items.filter(it::id.eq(item_id))).set(&patch).execute(conn)?;
        if let Some(delta) = change.stock_delta {
            let moved = diesel::update(
                it::points_items
                    .filter(it::id.eq(item_id))
                    .filter((it::stock + delta).ge(0))
                    .filter((it::stock + delta).le(rules::MAX_STOCK as i32)),
            )
            .set(it::stock.eq(it::stock + delta))
            .execute(conn)?;
            if moved == 0 {
                return Err(PointsError::OutOfStock);
            }
        }
        let details = json!({
            "name": change.name, "price": change.price, "active": change.active, "stock_delta": change.stock_delta,
        });
        record(caller, conn, "points.item.change", "points_item", item_id, details, now)?;
        find_item(conn, item_id)?.ok_or(PointsError::NotFound)
    })
}

/// A unit's catalog, newest first: staff who read its points see every item; its residents and
/// other staff in scope see the items on offer. Anyone else: 404.
pub fn items(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    window: &Window,
) -> Result<Vec<ItemRow>, PointsError> {
    let place = unit_place(conn, unit_id)?;
    let all = principal.may(&place, Permission::ReadPoints);
    if !all && !principal.sees(&place) && !lives_in(conn, principal.subject(), &place)? {
        return Err(PointsError::NotFound);
    }
    let units = residency::units_under(conn, &[crate::identity::rows::path_text(&place.org_path)])?;
    let mut query = it::points_items
        .filter(it::org_unit_id.eq_any(units))
        .select(ItemRow::as_select())
        .order(it::id.desc())
        .limit(window.limit)
        .into_boxed();
    if !all {
        query = query.filter(it::active.eq(true));
    }
    if let Some(before) = &window.before {
        query = query.filter(it::id.lt(before.clone()));
    }
    Ok(query.load(conn)?)
}

/// An order with the names a list shows.
#[derive(Debug, Clone)]
pub struct OrderView {
    pub row: OrderRow,
    pub item_name: String,
    pub item_kind: String,
    pub user_name: String,
}

fn views(conn: &mut DbConn, rows: Vec<OrderRow>) -> Result<Vec<OrderView>, PointsError> {
    let item_ids: Vec<String> = rows.iter().map(|r| r.item_id.clone()).collect();
    let user_ids: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
    let items: Vec<(String, String, String)> =
        it::points_items.filter(it::id.eq_any(item_ids)).select((it::id, it::name, it::kind)).load(conn)?;
    let names = users::names(conn, &user_ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (item_name, item_kind) = items
                .iter()
                .find(|(id, _, _)| id == &row.item_id)
                .map(|(_, name, kind)| (name.clone(), kind.clone()))
                .unwrap_or_default();
            OrderView { item_name, item_kind, user_name: names.get(&row.user_id).cloned().unwrap_or_default(), row }
        })
        .collect())
}

fn view_of(conn: &mut DbConn, row: OrderRow) -> Result<OrderView, PointsError> {
    views(conn, vec![row])?.pop().ok_or(PointsError::NotFound)
}

/// An order as asked for: which item, how many (checked: 1 to [`rules::MAX_QUANTITY`]).
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub item_id: String,
    pub quantity: u32,
}

/// Places an order in the caller's write transaction (an idempotency record's), for the
/// caller (or the resident a staff member acts for), who must live in the item's village: the
/// stock is reserved by a conditional update (none left, or the item withdrawn: `OutOfStock`),
/// then the cost is spent from the person's account in the village by the ledger's guarded
/// append (`InsufficientPoints`: the transaction rolls back, and the stock with it).
pub fn order_in_tx(
    conn: &mut DbConn,
    principal: &Principal,
    new: &NewOrder,
    now: NaiveDateTime,
) -> Result<OrderView, PointsError> {
    let item = find_item(conn, &new.item_id)?.ok_or(PointsError::NotFound)?;
    let place = unit_place(conn, &item.org_unit_id)?;
    let buyer = principal.subject().to_owned();
    if !lives_in(conn, &buyer, &place)? {
        return Err(if principal.sees(&place) { PointsError::Forbidden } else { PointsError::NotFound });
    }
    let quantity = i32::try_from(new.quantity).map_err(|_| PointsError::invalid("quantity", "1 to 10"))?;
    let reserved = diesel::update(
        it::points_items.filter(it::id.eq(&item.id)).filter(it::active.eq(true)).filter(it::stock.ge(quantity)),
    )
    .set((it::stock.eq(it::stock - quantity), it::updated_at.eq(now)))
    .execute(conn)?;
    if reserved == 0 {
        return Err(PointsError::OutOfStock);
    }
    // Read again under the row's lock: the price charged is the price now.
    let item = find_item(conn, &item.id)?.ok_or(PointsError::NotFound)?;
    let cost = rules::cost(i64::from(item.price), new.quantity).ok_or(PointsError::invalid("quantity", "1 to 10"))?;
    let order_id = OrderId::generate().into_string();
    let holder = Holder { unit_id: &item.org_unit_id, kind: HolderKind::User, id: &buyer, subject: Subject::Resident };
    let spend = NewRow { kind: LedgerKind::Spend, points: -cost, reference: &order_id, memo: &item.name };
    ledger::append(conn, holder, spend, true, now)?;
    let row = OrderRow {
        id: order_id,
        item_id: item.id.clone(),
        org_unit_id: item.org_unit_id.clone(),
        user_id: buyer,
        quantity,
        points: i32::try_from(cost).map_err(|_| PointsError::invalid("quantity", "too costly"))?,
        status: OrderStatus::Ordered.as_str().to_owned(),
        handled_by: None,
        handled_at: None,
        cancel_reason: None,
        created_at: now,
    };
    diesel::insert_into(o::points_orders).values(&row).execute(conn)?;
    Ok(OrderView { item_name: item.name, item_kind: item.kind, user_name: String::new(), row })
}

/// Which orders a list shows.
#[derive(Debug, Clone)]
pub enum OrdersOf {
    /// The caller's own (or the resident's a staff member acts for).
    Mine,
    /// A unit's (a village, or every village below it), for staff who review points there.
    Unit { unit_id: String, status: Option<OrderStatus> },
}

/// Orders, newest first (see [`OrdersOf`]).
pub fn orders(
    conn: &mut DbConn,
    principal: &Principal,
    of: &OrdersOf,
    window: &Window,
) -> Result<Vec<OrderView>, PointsError> {
    let mut query = o::points_orders.select(OrderRow::as_select()).order(o::id.desc()).limit(window.limit).into_boxed();
    match of {
        OrdersOf::Mine => query = query.filter(o::user_id.eq(principal.subject().to_owned())),
        OrdersOf::Unit { unit_id, status } => {
            let place = unit_place(conn, unit_id)?;
            principal.require(&place, Permission::ReviewPoints)?;
            let units = residency::units_under(conn, &[crate::identity::rows::path_text(&place.org_path)])?;
            query = query.filter(o::org_unit_id.eq_any(units));
            if let Some(status) = status {
                query = query.filter(o::status.eq(status.as_str()));
            }
        }
    }
    if let Some(before) = &window.before {
        query = query.filter(o::id.lt(before.clone()));
    }
    let rows = query.load(conn)?;
    views(conn, rows)
}

/// Moves an order from `ordered` by a conditional update (so of two moves at once exactly one
/// happens); the loser is told the status it found.
fn settle(
    conn: &mut DbConn,
    order: &OrderRow,
    action: OrderAction,
    by: &str,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), PointsError> {
    let status = OrderStatus::parse(&order.status).map_err(|_| PointsError::Corrupt(format!("order {}", order.id)))?;
    let next = rules::transition(status, action)?;
    let moved = diesel::update(
        o::points_orders.filter(o::id.eq(&order.id)).filter(o::status.eq(OrderStatus::Ordered.as_str())),
    )
    .set((o::status.eq(next.as_str()), o::handled_by.eq(by), o::handled_at.eq(now), o::cancel_reason.eq(reason)))
    .execute(conn)?;
    if moved == 0 {
        let found = find_order(conn, &order.id)?.ok_or(PointsError::NotFound)?;
        let found =
            OrderStatus::parse(&found.status).map_err(|_| PointsError::Corrupt(format!("order {}", order.id)))?;
        return Err(rules::transition(found, action).err().map_or(PointsError::Duplicate, PointsError::from));
    }
    Ok(())
}

fn tell(
    conn: &mut DbConn,
    view: &OrderView,
    outcome: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), PointsError> {
    let data = json!({
        "item": view.item_name, "quantity": view.row.quantity, "points": view.row.points,
        "outcome": outcome, "reason": reason,
    });
    crate::notify::enqueue_to(conn, POINTS_ORDER, std::slice::from_ref(&view.row.user_id), &data, now)?;
    Ok(())
}

/// Staff over the order's village may act; the orderer (who sees it) without the role: 403.
fn require_reviewer(principal: &Principal, place: &Place, order: &OrderRow) -> Result<(), PointsError> {
    match principal.require(place, Permission::ReviewPoints) {
        Err(Denial::NotFound) if order.user_id == principal.subject() => Err(PointsError::Forbidden),
        other => Ok(other?),
    }
}

/// Marks an order handed over (`ReviewPoints` over its village); the orderer is told.
pub fn hand_over(
    conn: &mut DbConn,
    caller: &Caller,
    order_id: &str,
    now: NaiveDateTime,
) -> Result<OrderView, PointsError> {
    write_tx(conn, |conn| {
        let order = find_order(conn, order_id)?.ok_or(PointsError::NotFound)?;
        let place = unit_place(conn, &order.org_unit_id)?;
        require_reviewer(&caller.principal, &place, &order)?;
        settle(conn, &order, OrderAction::HandOver, &caller.principal.user_id, None, now)?;
        let row = find_order(conn, order_id)?.ok_or(PointsError::NotFound)?;
        let view = view_of(conn, row)?;
        tell(conn, &view, "已发放", "", now)?;
        record(caller, conn, "points.order.hand_over", "points_order", order_id, json!({}), now)?;
        Ok(view)
    })
}

/// Cancels an order (the orderer while it is `ordered`, or `ReviewPoints` over its village):
/// the stock goes back to the item and the points back to the account (a `refund` row), once.
pub fn cancel(
    conn: &mut DbConn,
    caller: &Caller,
    order_id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<OrderView, PointsError> {
    write_tx(conn, |conn| {
        let order = find_order(conn, order_id)?.ok_or(PointsError::NotFound)?;
        let place = unit_place(conn, &order.org_unit_id)?;
        if order.user_id != caller.principal.subject() {
            caller.principal.require(&place, Permission::ReviewPoints)?;
        }
        settle(conn, &order, OrderAction::Cancel, &caller.principal.user_id, Some(reason), now)?;
        diesel::update(it::points_items.filter(it::id.eq(&order.item_id)))
            .set((it::stock.eq(it::stock + order.quantity), it::updated_at.eq(now)))
            .execute(conn)?;
        let holder = Holder {
            unit_id: &order.org_unit_id,
            kind: HolderKind::User,
            id: &order.user_id,
            subject: Subject::Resident,
        };
        let refund =
            NewRow { kind: LedgerKind::Refund, points: i64::from(order.points), reference: &order.id, memo: reason };
        ledger::append(conn, holder, refund, false, now)?;
        let row = find_order(conn, order_id)?.ok_or(PointsError::NotFound)?;
        let view = view_of(conn, row)?;
        tell(conn, &view, "已取消，积分已退回", &format!("原因：{reason}"), now)?;
        record(caller, conn, "points.order.cancel", "points_order", order_id, json!({ "reason": reason }), now)?;
        Ok(view)
    })
}
