//! The small-powers list (清单亮权) over HTTP: it is a public document of kind `small_powers`,
//! written, published and voted on through [`super::documents`]; its items are read on the
//! board ([`super::board`]). This part has no routes of its own.
