//! End-to-end tests of `pim init` and `pim new`: a new project validates and exports at
//! once, nothing is ever overwritten, new products and variants get placeholders, and the
//! editor schemas (checked with the jsonschema crate) accept the products pim accepts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// `pim init shop --name "My Shop"` in a temporary folder; returns the folder.
fn new_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let output = pim(dir.path(), &["init", "shop", "--name", "My Shop"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(path: &Path) -> Value {
    serde_saphyr::from_str(&read(path)).unwrap()
}

#[test]
fn init_makes_a_project_that_validates_and_exports_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let output = pim(dir.path(), &["init", "shop", "--name", "My Shop"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.starts_with("created the pim project `My Shop` in shop/:\n  pim.toml\n"),
        "{out}"
    );
    assert!(out.contains("\nnext:\n  cd shop\n  pim validate"), "{out}");
    let shop = dir.path().join("shop");

    let (code, report) = validate_json(&shop, &["--channel", "all"]);
    assert_eq!(code, 0);
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    assert_eq!(report["summary"]["products"], 2);
    assert_eq!(report["summary"]["items"], 4);

    let output = pim(&shop, &["export", "--all"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "marketplace: 4 items → dist/marketplace.csv\nstorefront: 4 items → dist/storefront.json\n"
    );
    let csv = read(&shop.join("dist/marketplace.csv"));
    assert!(
        csv.contains(",https://cdn.example.com/images/cap-001/1.jpg,"),
        "{csv}"
    );
    let json: Value = serde_json::from_str(&read(&shop.join("dist/storefront.json"))).unwrap();
    assert_eq!(json["products"].as_array().unwrap().len(), 2);

    // The files around the catalog.
    assert_eq!(read(&shop.join(".gitignore")), "dist/\n.pim/\n");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        read(&shop.join(".github/workflows/catalog.yml")),
        read(&root.join("examples/github-workflow.yml"))
    );
    let config = read(&shop.join("pim.toml"));
    assert!(config.contains("name = \"My Shop\""), "{config}");
    for key in [
        "locales",
        "default_locale",
        "currencies",
        "template",
        "output",
        "required",
    ] {
        let lines: Vec<&str> = config.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{key} =")))
            .unwrap_or_else(|| panic!("no {key} in pim.toml"));
        let commented = lines[at].contains('#') || at > 0 && lines[at - 1].starts_with('#');
        assert!(commented, "`{key}` has no comment: {}", lines[at]);
    }
    let extensions: Value =
        serde_json::from_str(&read(&shop.join(".vscode/extensions.json"))).unwrap();
    assert_eq!(extensions["recommendations"][0], "redhat.vscode-yaml");
}

#[test]
fn the_pre_commit_config_runs_the_hooks_pim_publishes() {
    let dir = new_project();
    let config = yaml(&dir.path().join("shop/.pre-commit-config.yaml"));
    let local = &config["repos"][0];
    assert_eq!(local["repo"], "local");
    let published = yaml(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"));
    let published = published.as_array().unwrap();
    let hooks = local["hooks"].as_array().unwrap();
    assert_eq!(hooks.len(), published.len());
    for hook in published {
        let ours = hooks.iter().find(|h| h["id"] == hook["id"]).unwrap();
        for key in [
            "entry",
            "files",
            "exclude",
            "pass_filenames",
            "require_serial",
        ] {
            assert_eq!(ours[key], hook[key], "{} {key}", hook["id"]);
        }
        assert_eq!(ours["language"], "system");
    }
}

#[test]
fn init_never_overwrites_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("shop");
    std::fs::create_dir(&shop).unwrap();
    std::fs::write(shop.join(".gitignore"), "target/\n").unwrap();
    let output = pim(dir.path(), &["init", "shop"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: shop/.gitignore already exists; pim init never overwrites a file, so nothing \
         was written (run it in a new or empty folder)\n"
    );
    assert_eq!(read(&shop.join(".gitignore")), "target/\n");
    assert!(!shop.join("pim.toml").exists());

    // A project made, a second init in it is refused whole.
    std::fs::remove_file(shop.join(".gitignore")).unwrap();
    assert_eq!(pim(dir.path(), &["init", "shop"]).status.code(), Some(0));
    std::fs::write(shop.join("pim.toml"), "# mine\n").unwrap();
    let output = pim(&shop, &["init"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: ./pim.toml already exists"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&shop.join("pim.toml")), "# mine\n");
}

#[test]
fn init_names_the_project_after_its_folder_and_follows_dash_c() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("outdoor")).unwrap();
    let output = pim(dir.path(), &["-C", "outdoor", "init"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let config = read(&dir.path().join("outdoor/pim.toml"));
    assert!(config.contains("name = \"outdoor\""), "{config}");
    let (code, _) = validate_json(&dir.path().join("outdoor"), &[]);
    assert_eq!(code, 0);
}

/// Validates a YAML product file against a JSON Schema with the jsonschema crate.
fn schema_errors(schema: &Value, product: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).unwrap();
    validator
        .iter_errors(product)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_editor_schema_accepts_the_examples_and_flags_what_pim_flags() {
    let dir = new_project();
    let shop = dir.path().join("shop");
    let settings: Value = serde_json::from_str(&read(&shop.join(".vscode/settings.json"))).unwrap();
    assert_eq!(
        settings["yaml.schemas"][".pim/editor/apparel.schema.json"],
        serde_json::json!(["catalog/apparel/**/*.yaml", "catalog/apparel/**/*.yml"])
    );
    let schema: Value =
        serde_json::from_str(&read(&shop.join(".pim/editor/apparel.schema.json"))).unwrap();
    for file in ["TSHIRT-001.yaml", "CAP-001.yaml"] {
        let product = yaml(&shop.join("catalog/apparel").join(file));
        assert_eq!(
            schema_errors(&schema, &product),
            Vec::<String>::new(),
            "{file}"
        );
    }
    let cap = yaml(&shop.join("catalog/apparel/CAP-001.yaml"));
    let mut typo = cap.clone();
    typo["gtn"] = "0614141000043".into();
    assert_eq!(schema_errors(&schema, &typo).len(), 1, "{typo}");
    let mut color = cap.clone();
    color["color"] = "purple".into();
    assert!(!schema_errors(&schema, &color).is_empty());
    let mut nameless = cap;
    nameless.as_object_mut().unwrap().remove("name");
    assert!(!schema_errors(&schema, &nameless).is_empty());
}

#[test]
fn the_editor_schemas_of_the_demo_accept_every_demo_product() {
    let dir = demo_copy();
    let output = pim(dir.path(), &["new", "NW-TNT-3999", "--family", "tent"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let editor = dir.path().join(".pim/editor");
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(dir.path().join("catalog")) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let product = yaml(entry.path());
        let family = product["family"].as_str().unwrap();
        let schema: Value =
            serde_json::from_str(&read(&editor.join(format!("{family}.schema.json")))).unwrap();
        assert_eq!(
            schema_errors(&schema, &product),
            Vec::<String>::new(),
            "{}",
            entry.path().display()
        );
        checked += 1;
    }
    assert!(checked >= 47, "{checked}");
}

#[test]
fn new_writes_a_draft_with_placeholders_that_validates() {
    let dir = new_project();
    let shop = dir.path().join("shop");
    let output = pim(&shop, &["new", "TSHIRT-002", "--family", "apparel"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "created catalog/apparel/TSHIRT-002.yaml (status: draft); fill in name, price, categories\n"
    );
    assert_eq!(
        read(&shop.join("catalog/apparel/TSHIRT-002.yaml")),
        "# A new apparel product: replace each placeholder (TODO, 0.00, ...), then set status: active.\n\
         sku: TSHIRT-002\n\
         family: apparel\n\
         status: draft\n\
         name:\n  en-US: TODO\n\
         price:\n  USD: \"0.00\"\n\
         categories:\n  - apparel\n\
         # Other attributes: brand, color, description, gtin, images, material, size, variants, weight.\n\
         # Variants, one per color and size: pim new SKU --family apparel --variant-of TSHIRT-002\n"
    );
    let (code, report) = validate_json(&shop, &["--channel", "all"]);
    assert_eq!(code, 0);
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    // A draft is in no feed of the default filter.
    let output = pim(&shop, &["export", "--channel", "marketplace"]);
    assert_eq!(
        stdout(&output),
        "marketplace: 4 items → dist/marketplace.csv\n"
    );
}

#[test]
fn new_refuses_a_taken_sku_an_unknown_family_and_a_sku_the_schema_rejects() {
    let dir = new_project();
    let shop = dir.path().join("shop");
    let before = std::fs::read_dir(shop.join("catalog/apparel"))
        .unwrap()
        .count();
    for (args, message) in [
        (
            vec!["new", "tshirt-001-black-m", "--family", "apparel"],
            "error: the SKU `tshirt-001-black-m` already exists in catalog/apparel/TSHIRT-001.yaml \
             (SKUs are compared case-insensitively); choose another\n",
        ),
        (
            vec!["new", "BAG-001", "--family", "aparel"],
            "error: unknown family `aparel`; did you mean `apparel`? The families are the schemas \
             in schemas/families/: apparel\n",
        ),
        (
            vec!["new", "bag_1", "--family", "apparel"],
            "error: the schema rejects the SKU `bag_1`: `/sku`: \"bag_1\" does not match \
             \"^[A-Z0-9][A-Z0-9-]{2,39}$\"; nothing was written\n",
        ),
        (
            vec!["new", "../BAG", "--family", "apparel"],
            "error: `../BAG` cannot be a SKU here: it names the product's file, so use letters, \
             digits and dashes\n",
        ),
        (
            vec![
                "new",
                "A-1",
                "--family",
                "apparel",
                "--variant-of",
                "TSHIRT-001-BLACK-M",
            ],
            "error: `TSHIRT-001-BLACK-M` is a variant of TSHIRT-001 \
             (catalog/apparel/TSHIRT-001.yaml); give the product: --variant-of TSHIRT-001\n",
        ),
        (
            vec![
                "new",
                "A-1",
                "--family",
                "apparel",
                "--variant-of",
                "TSHIRT-01",
            ],
            "error: no product `TSHIRT-01` in the catalog; did you mean `TSHIRT-001`?\n",
        ),
    ] {
        let output = pim(&shop, &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&output), message, "{args:?}");
    }
    let after = std::fs::read_dir(shop.join("catalog/apparel"))
        .unwrap()
        .count();
    assert_eq!(before, after);
}

#[test]
fn new_adds_a_variant_with_unused_axis_values() {
    let dir = new_project();
    let shop = dir.path().join("shop");
    let output = pim(
        &shop,
        &[
            "new",
            "TSHIRT-001-BLACK-S",
            "--family",
            "apparel",
            "--variant-of",
            "tshirt-001",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "added a variant to TSHIRT-001 in catalog/apparel/TSHIRT-001.yaml; fill in color, size\n"
    );
    let text = read(&shop.join("catalog/apparel/TSHIRT-001.yaml"));
    assert!(
        text.ends_with(
            "      USD: \"22.00\"\n  - sku: TSHIRT-001-BLACK-S\n    color: black\n    size: XS\n"
        ),
        "{text}"
    );
    let (code, report) = validate_json(&shop, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["items"], 5);

    // The variant is missing its GTIN, which the marketplace requires.
    let (_, report) = validate_json(&shop, &["--channel", "marketplace"]);
    assert_eq!(
        diagnostic_lines(&report),
        ["warning incomplete catalog/apparel/TSHIRT-001.yaml:37:5 /variants/3"]
    );

    // A product without variants gets its first.
    let output = pim(
        &shop,
        &[
            "new",
            "CAP-001-RED",
            "--family",
            "apparel",
            "--variant-of",
            "CAP-001",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(read(&shop.join("catalog/apparel/CAP-001.yaml")).ends_with(
        "size: one-size\nvariants:\n  - sku: CAP-001-RED\n    color: black\n    size: XS\n"
    ));
    assert_eq!(validate_json(&shop, &[]).0, 0);
}

#[test]
fn new_checks_the_family_of_the_product_it_adds_to() {
    let dir = demo_copy();
    let output = pim(
        dir.path(),
        &[
            "new",
            "NW-JKT-1001-X",
            "--family",
            "footwear",
            "--variant-of",
            "NW-JKT-1001",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: NW-JKT-1001 is of family `apparel`, not `footwear`; a variant belongs to its \
         product's family\n"
    );
}

#[test]
fn new_and_validate_keep_the_editor_schemas_current() {
    let dir = new_project();
    let shop = dir.path().join("shop");
    // A new family: pim new writes its schema and maps it in the settings.
    std::fs::write(
        shop.join("schemas/families/bag.schema.json"),
        r#"{"type": "object", "properties": {"volume_l": {"type": "integer"}}, "required": ["volume_l"]}"#,
    )
    .unwrap();
    let output = pim(&shop, &["new", "BAG-001", "--family", "bag"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(read(&shop.join("catalog/bag/BAG-001.yaml")).contains("\nvolume_l: 0\n"));
    assert!(shop.join(".pim/editor/bag.schema.json").is_file());
    let settings: Value = serde_json::from_str(&read(&shop.join(".vscode/settings.json"))).unwrap();
    assert!(settings["yaml.schemas"][".pim/editor/bag.schema.json"].is_array());
    assert!(settings["yaml.schemas"][".pim/editor/apparel.schema.json"].is_array());

    // A schema edited by hand: the next pim validate brings the editor schema up to date.
    let family = shop.join("schemas/families/apparel.schema.json");
    let text = read(&family).replace(
        "\"material\": {",
        "\"fit\": {\"enum\": [\"slim\"]},\n    \"material\": {",
    );
    std::fs::write(&family, text).unwrap();
    std::fs::remove_dir_all(shop.join(".pim")).unwrap();
    assert_eq!(validate_json(&shop, &[]).0, 0);
    let schema = read(&shop.join(".pim/editor/apparel.schema.json"));
    assert!(schema.contains("\"fit\""), "{schema}");
}
