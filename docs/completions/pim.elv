
use builtin;
use str;

set edit:completion:arg-completer[pim] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'pim'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'pim'= {
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand validate 'Check the catalog: YAML, JSON Schemas and catalog rules, every problem with its position'
            cand export 'Render channel feeds (CSV, TSV, JSON, XML, HTML) from the catalog'
            cand diff 'Compare the catalog at two git revisions: products, fields, problems and channels'
            cand import 'Bring a catalog in from Akeneo or Shopify: a new project, or new files in one'
            cand init 'Start a catalog project: settings, schemas, templates, two example products, CI and editor files'
            cand new 'Add a product file, or a variant, with placeholders for what its schemas require'
            cand show 'Show a product or variant as each channel sees it, and why an item is left out'
            cand report 'Catalog quality per channel: completeness, grades A–E, most missing attributes, worst items'
            cand completions 'Print a completion script for a shell'
            cand man 'Print pim''s man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pim;validate'= {
            cand --format 'Output format'
            cand --max-errors 'Print at most N diagnostics (counts and the exit code still include all)'
            cand --channel 'Also check completeness for a channel of pim.toml, or `all` channels'
            cand --explain 'Print what a rule means and how to fix it, then exit'
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --deny-warnings 'Treat warnings as errors for the exit code'
            cand --list-rules 'Print every rule id with its severity, then exit'
            cand --no-cache 'Check every file again, without reading or writing the cache in .pim/cache/'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;export'= {
            cand --channel 'A channel of pim.toml to export (repeat for several)'
            cand --out 'Write into DIR instead of the project''s output folder'
            cand --max-errors 'Print at most N diagnostics, and list at most N left-out items per channel'
            cand --format 'Output format of the report'
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --all 'Export every channel'
            cand --skip-invalid 'Leave out items with errors instead of refusing the export'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;diff'= {
            cand --format 'Output format'
            cand --price-alert 'Warn when a price moves by more than PCT percent'
            cand --fail-on 'Exit 1 when the change introduces errors'
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --no-cache 'Check every product of both revisions, without reading or writing the cache in .pim/cache'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;import'= {
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand akeneo 'Akeneo''s CSV exports in DIR (attributes.csv, families.csv, products.csv, ...)'
            cand shopify 'A Shopify product CSV (classic or 2024 column names)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pim;import;akeneo'= {
            cand --into 'The project folder to write into, created if needed [default: the current folder]'
            cand --name 'The project''s name in pim.toml [default: the folder''s name]'
            cand --format 'Output format of the report'
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --force 'Overwrite files that exist and differ (without it they are kept, and listed)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;import;shopify'= {
            cand --locale 'Locale of titles and descriptions [default: the project''s default locale, else en-US]'
            cand --currency 'Currency of prices [default: the project''s first currency, else USD]'
            cand --into 'The project folder to write into, created if needed [default: the current folder]'
            cand --name 'The project''s name in pim.toml [default: the folder''s name]'
            cand --format 'Output format of the report'
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --force 'Overwrite files that exist and differ (without it they are kept, and listed)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;import;help'= {
            cand akeneo 'Akeneo''s CSV exports in DIR (attributes.csv, families.csv, products.csv, ...)'
            cand shopify 'A Shopify product CSV (classic or 2024 column names)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pim;import;help;akeneo'= {
        }
        &'pim;import;help;shopify'= {
        }
        &'pim;import;help;help'= {
        }
        &'pim;init'= {
            cand --name 'The project''s name [default: the folder''s name]'
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;new'= {
            cand --family 'The product''s family: a schema in schemas/families/'
            cand --variant-of 'Add SKU as a variant to this product''s file instead'
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;show'= {
            cand --channel 'Only this channel of pim.toml (repeat for several) [default: every channel]'
            cand --format 'Output format'
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;report'= {
            cand --channel 'Only this channel of pim.toml (repeat for several), or `all` [default: every channel]'
            cand --format 'Output format'
            cand --out 'Write the report to FILE instead of stdout'
            cand --worst 'List the N worst items per channel (the rest are counted)'
            cand --history 'Add completeness per channel at each of the last N commits that touched the catalog'
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;completions'= {
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;man'= {
            cand -C 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand --project 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'pim;help'= {
            cand validate 'Check the catalog: YAML, JSON Schemas and catalog rules, every problem with its position'
            cand export 'Render channel feeds (CSV, TSV, JSON, XML, HTML) from the catalog'
            cand diff 'Compare the catalog at two git revisions: products, fields, problems and channels'
            cand import 'Bring a catalog in from Akeneo or Shopify: a new project, or new files in one'
            cand init 'Start a catalog project: settings, schemas, templates, two example products, CI and editor files'
            cand new 'Add a product file, or a variant, with placeholders for what its schemas require'
            cand show 'Show a product or variant as each channel sees it, and why an item is left out'
            cand report 'Catalog quality per channel: completeness, grades A–E, most missing attributes, worst items'
            cand completions 'Print a completion script for a shell'
            cand man 'Print pim''s man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pim;help;validate'= {
        }
        &'pim;help;export'= {
        }
        &'pim;help;diff'= {
        }
        &'pim;help;import'= {
            cand akeneo 'Akeneo''s CSV exports in DIR (attributes.csv, families.csv, products.csv, ...)'
            cand shopify 'A Shopify product CSV (classic or 2024 column names)'
        }
        &'pim;help;import;akeneo'= {
        }
        &'pim;help;import;shopify'= {
        }
        &'pim;help;init'= {
        }
        &'pim;help;new'= {
        }
        &'pim;help;show'= {
        }
        &'pim;help;report'= {
        }
        &'pim;help;completions'= {
        }
        &'pim;help;man'= {
        }
        &'pim;help;help'= {
        }
    ]
    $completions[$command]
}
