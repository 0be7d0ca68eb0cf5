//! Shopify's product CSV to a pim project.
