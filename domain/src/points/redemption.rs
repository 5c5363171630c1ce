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
