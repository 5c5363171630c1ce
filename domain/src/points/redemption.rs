//! Redemption (兑商品、兑服务、兑信用): a village's catalog with points prices and stock, and a
//! resident's order, which holds the points and reserves the stock until staff hand it over or
//! it is cancelled (both returned).

use crate::text_enum;

text_enum!(
    ItemKind "kind" "goods, service or credit" {
        Goods => "goods",
        Service => "service",
        /// A credit benefit (a bank's better rate, a loan's guarantee…).
        Credit => "credit",
    }
);

text_enum!(
    OrderStatus "status" "ordered, handed_over or cancelled" {
        /// Points spent and stock reserved; waiting to be handed over.
        Ordered => "ordered",
        HandedOver => "handed_over",
        /// Points and stock returned.
        Cancelled => "cancelled",
    }
);

text_enum!(
    OrderAction "action" "hand_over or cancel" {
        HandOver => "hand_over",
        Cancel => "cancel",
    }
);

/// A move an order's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderNotNow {
    pub action: OrderAction,
    pub status: OrderStatus,
}

pub fn transition(status: OrderStatus, action: OrderAction) -> Result<OrderStatus, OrderNotNow> {
    match (action, status) {
        (OrderAction::HandOver, OrderStatus::Ordered) => Ok(OrderStatus::HandedOver),
        (OrderAction::Cancel, OrderStatus::Ordered) => Ok(OrderStatus::Cancelled),
        _ => Err(OrderNotNow { action, status }),
    }
}

/// The most of one item in one order.
pub const MAX_QUANTITY: u32 = 10;
/// The highest price an item may have.
pub const MAX_PRICE: i64 = 1_000_000;

/// An order's cost, when the quantity is allowed and the price sane.
pub fn cost(price: i64, quantity: u32) -> Option<i64> {
    ((1..=MAX_QUANTITY).contains(&quantity) && (1..=MAX_PRICE).contains(&price)).then(|| price * i64::from(quantity))
}

/// The most an item's stock may hold.
pub const MAX_STOCK: i64 = 1_000_000;
/// An item's name: 1 to 64 characters once trimmed.
pub const NAME_MAX: usize = 64;
/// An item's description, and a cancellation's reason: at most 500 characters.
pub const TEXT_MAX: usize = 500;

/// Text trimmed and measured: `min` to `max` characters.
pub fn text(value: &str, field: &'static str, min: usize, max: usize) -> Result<String, crate::DomainError> {
    let trimmed = value.trim();
    let count = trimmed.chars().count();
    if count < min || count > max {
        let reason = if min == 0 { "too long" } else { "required, within the length allowed" };
        return Err(crate::DomainError::Invalid { field, reason });
    }
    Ok(trimmed.to_owned())
}

/// A price as an item may carry it (1 to [`MAX_PRICE`] points).
pub fn check_price(price: i64) -> Result<i32, crate::DomainError> {
    match i32::try_from(price) {
        Ok(p) if (1..=MAX_PRICE).contains(&price) => Ok(p),
        _ => Err(crate::DomainError::Invalid { field: "price", reason: "1 to 1000000 points" }),
    }
}

/// A stock as an item may start with (0 to [`MAX_STOCK`]).
pub fn check_stock(stock: i64) -> Result<i32, crate::DomainError> {
    match i32::try_from(stock) {
        Ok(s) if (0..=MAX_STOCK).contains(&stock) => Ok(s),
        _ => Err(crate::DomainError::Invalid { field: "stock", reason: "0 to 1000000" }),
    }
}

/// A restock (above zero) or write-off (below): at most [`MAX_STOCK`] either way, never zero.
pub fn check_stock_delta(delta: i64) -> Result<i32, crate::DomainError> {
    match i32::try_from(delta) {
        Ok(d) if d != 0 && delta.abs() <= MAX_STOCK => Ok(d),
        _ => Err(crate::DomainError::Invalid { field: "stock_delta", reason: "a non-zero change of at most 1000000" }),
    }
}

/// The stock after a change, when it stays within 0 to [`MAX_STOCK`].
pub fn stock_after(stock: i64, delta: i64) -> Option<i64> {
    let after = stock.checked_add(delta)?;
    (0..=MAX_STOCK).contains(&after).then_some(after)
}
