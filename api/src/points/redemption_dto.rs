//! Redemption's request and response bodies: catalog items and orders.

use domain::points::redemption::{self as rules, ItemKind, OrderStatus};
use infra::points::redemption::{ItemChange, NewItem, NewOrder, OrderView};
use infra::points::rows::ItemRow;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;
use crate::http::support::rfc3339;

fn enum_schema(values: impl IntoIterator<Item = &'static str>, nullable: bool) -> Object {
    let mut values: Vec<serde_json::Value> = values.into_iter().map(serde_json::Value::from).collect();
    let schema_type: SchemaType = if nullable {
        values.push(serde_json::Value::Null);
        [Type::String, Type::Null].into_iter().collect()
    } else {
        Type::String.into()
    };
    ObjectBuilder::new().schema_type(schema_type).enum_values(Some(values)).build()
}

fn item_kind_schema() -> Object {
    enum_schema(ItemKind::ALL.iter().map(|k| k.as_str()), false)
}

fn order_status_schema() -> Object {
    enum_schema(OrderStatus::ALL.iter().map(|s| s.as_str()), false)
}

fn name_schema() -> Object {
    crate::contract::required_text(rules::NAME_MAX).examples(["大米一袋（5公斤）"]).build()
}

fn optional_name_schema() -> Object {
    crate::contract::required_text(rules::NAME_MAX)
        .schema_type([Type::String, Type::Null].into_iter().collect::<SchemaType>())
        .build()
}

fn reason_schema() -> Object {
    crate::contract::required_text(rules::TEXT_MAX).examples(["家中有事，改日再换"]).build()
}

/// A catalog item to add to a village (`village_cadre` and above).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsItemBody {
    #[schema(schema_with = item_kind_schema)]
    pub kind: String,
    #[schema(schema_with = name_schema)]
    pub name: String,
    /// At most 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
    /// Points per piece, 1 to 1,000,000.
    #[serde(deserialize_with = "crate::contract::integral")]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub price: i64,
    /// Pieces in stock, 0 to 1,000,000.
    #[serde(deserialize_with = "crate::contract::integral")]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub stock: i64,
}

impl PointsItemBody {
    pub fn parse(self) -> Result<NewItem, ApiError> {
        Ok(NewItem {
            kind: ItemKind::parse(&self.kind)?,
            name: rules::text(&self.name, "name", 1, rules::NAME_MAX)?,
            description: rules::text(&self.description, "description", 0, rules::TEXT_MAX)?,
            price: rules::check_price(self.price)?,
            stock: rules::check_stock(self.stock)?,
        })
    }
}

fn optional_integral<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "crate::contract::integral")] i64);
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|w| w.0))
}

/// A change to an item; absent or null fields stay as they are.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsItemChange {
    #[serde(default)]
    #[schema(schema_with = optional_name_schema)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500, nullable)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "optional_integral")]
    #[schema(minimum = 1, maximum = 1_000_000, nullable)]
    pub price: Option<i64>,
    /// false withdraws the item from residents' catalog (orders made stay).
    #[serde(default)]
    #[schema(nullable)]
    pub active: Option<bool>,
    /// Restock (above zero) or write off (below zero). Taking the stock below zero is 409
    /// `out_of_stock`.
    #[serde(default, deserialize_with = "optional_integral")]
    #[schema(minimum = -1_000_000, maximum = 1_000_000, nullable)]
    pub stock_delta: Option<i64>,
}

impl PointsItemChange {
    pub fn parse(self) -> Result<ItemChange, ApiError> {
        Ok(ItemChange {
            name: self.name.map(|n| rules::text(&n, "name", 1, rules::NAME_MAX)).transpose()?,
            description: self.description.map(|t| rules::text(&t, "description", 0, rules::TEXT_MAX)).transpose()?,
            price: self.price.map(rules::check_price).transpose()?,
            active: self.active,
            stock_delta: self.stock_delta.map(rules::check_stock_delta).transpose()?,
        })
    }
}

/// A catalog item.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsItemView {
    pub id: String,
    pub org_unit_id: String,
    #[schema(schema_with = item_kind_schema)]
    pub kind: String,
    pub name: String,
    pub description: String,
    pub price: i32,
    pub stock: i32,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<ItemRow> for PointsItemView {
    fn from(row: ItemRow) -> Self {
        Self {
            id: row.id,
            org_unit_id: row.org_unit_id,
            kind: row.kind,
            name: row.name,
            description: row.description,
            price: row.price,
            stock: row.stock,
            active: row.active,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointsItemPage {
    pub items: Vec<PointsItemView>,
    pub next_cursor: Option<String>,
}

/// An order: which item, how many.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsOrderBody {
    pub item_id: String,
    /// 1 to 10 pieces.
    #[serde(deserialize_with = "crate::contract::integral")]
    #[schema(minimum = 1, maximum = 10)]
    pub quantity: i64,
}

impl PointsOrderBody {
    pub fn parse(self) -> Result<NewOrder, ApiError> {
        let item_id = domain::points::ItemId::parse(&self.item_id)
            .ok_or_else(|| ApiError::invalid_field("item_id", "an id"))?
            .into_string();
        let quantity = u32::try_from(self.quantity)
            .ok()
            .filter(|q| (1..=rules::MAX_QUANTITY).contains(q))
            .ok_or_else(|| ApiError::invalid_field("quantity", "1 to 10"))?;
        Ok(NewOrder { item_id, quantity })
    }
}

/// A cancellation's reason.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsOrderCancelBody {
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

impl PointsOrderCancelBody {
    pub fn parse(self) -> Result<String, ApiError> {
        Ok(rules::text(&self.reason, "reason", 1, rules::TEXT_MAX)?)
    }
}

/// An order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsOrderView {
    pub id: String,
    pub item_id: String,
    pub item_name: String,
    #[schema(schema_with = item_kind_schema)]
    pub item_kind: String,
    pub org_unit_id: String,
    pub user_id: String,
    /// The orderer's display name (staff lists; empty on the answer to an order).
    pub user_name: String,
    pub quantity: i32,
    /// Points spent (returned when cancelled).
    pub points: i32,
    #[schema(schema_with = order_status_schema)]
    pub status: String,
    pub handled_by: Option<String>,
    pub handled_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: String,
}

impl From<OrderView> for PointsOrderView {
    fn from(v: OrderView) -> Self {
        let row = v.row;
        Self {
            id: row.id,
            item_id: row.item_id,
            item_name: v.item_name,
            item_kind: v.item_kind,
            org_unit_id: row.org_unit_id,
            user_id: row.user_id,
            user_name: v.user_name,
            quantity: row.quantity,
            points: row.points,
            status: row.status,
            handled_by: row.handled_by,
            handled_at: row.handled_at.map(rfc3339),
            cancel_reason: row.cancel_reason,
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointsOrderPage {
    pub items: Vec<PointsOrderView>,
    pub next_cursor: Option<String>,
}

/// A unit's orders: optionally of one status, newest first.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PointsOrderQuery {
    #[param(schema_with = order_status_schema)]
    pub status: Option<String>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

impl PointsOrderQuery {
    pub fn status(&self) -> Result<Option<OrderStatus>, ApiError> {
        Ok(self.status.as_deref().map(OrderStatus::parse).transpose()?)
    }
}
