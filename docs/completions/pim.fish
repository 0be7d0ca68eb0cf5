# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pim_global_optspecs
    string join \n C/project= h/help V/version
end

function __fish_pim_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_pim_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_pim_using_subcommand
    set -l cmd (__fish_pim_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c pim -n "__fish_pim_needs_command" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_needs_command" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_needs_command" -s V -l version -d 'Print version'
complete -c pim -n "__fish_pim_needs_command" -f -a "validate" -d 'Check the catalog: YAML, JSON Schemas and catalog rules, every problem with its position'
complete -c pim -n "__fish_pim_needs_command" -f -a "export" -d 'Render channel feeds (CSV, TSV, JSON, XML, HTML) from the catalog'
complete -c pim -n "__fish_pim_needs_command" -f -a "diff" -d 'Compare the catalog at two git revisions: products, fields, problems and channels'
complete -c pim -n "__fish_pim_needs_command" -f -a "import" -d 'Bring a catalog in from Akeneo or Shopify: a new project, or new files in one'
complete -c pim -n "__fish_pim_needs_command" -f -a "init" -d 'Start a catalog project: settings, schemas, templates, two example products, CI and editor files'
complete -c pim -n "__fish_pim_needs_command" -f -a "new" -d 'Add a product file, or a variant, with placeholders for what its schemas require'
complete -c pim -n "__fish_pim_needs_command" -f -a "show" -d 'Show a product or variant as each channel sees it, and why an item is left out'
complete -c pim -n "__fish_pim_needs_command" -f -a "report" -d 'Catalog quality per channel: completeness, grades A–E, most missing attributes, worst items'
complete -c pim -n "__fish_pim_needs_command" -f -a "completions" -d 'Print a completion script for a shell'
complete -c pim -n "__fish_pim_needs_command" -f -a "man" -d 'Print pim\'s man page (roff)'
complete -c pim -n "__fish_pim_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pim -n "__fish_pim_using_subcommand validate" -l format -d 'Output format' -r -f -a "human\t''
json\t''
github\t''"
complete -c pim -n "__fish_pim_using_subcommand validate" -l max-errors -d 'Print at most N diagnostics (counts and the exit code still include all)' -r
complete -c pim -n "__fish_pim_using_subcommand validate" -l channel -d 'Also check completeness for a channel of pim.toml, or `all` channels' -r
complete -c pim -n "__fish_pim_using_subcommand validate" -l explain -d 'Print what a rule means and how to fix it, then exit' -r
complete -c pim -n "__fish_pim_using_subcommand validate" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand validate" -l deny-warnings -d 'Treat warnings as errors for the exit code'
complete -c pim -n "__fish_pim_using_subcommand validate" -l list-rules -d 'Print every rule id with its severity, then exit'
complete -c pim -n "__fish_pim_using_subcommand validate" -l no-cache -d 'Check every file again, without reading or writing the cache in .pim/cache/'
complete -c pim -n "__fish_pim_using_subcommand validate" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand export" -l channel -d 'A channel of pim.toml to export (repeat for several)' -r
complete -c pim -n "__fish_pim_using_subcommand export" -l out -d 'Write into DIR instead of the project\'s output folder' -r -F
complete -c pim -n "__fish_pim_using_subcommand export" -l max-errors -d 'Print at most N diagnostics, and list at most N left-out items per channel' -r
complete -c pim -n "__fish_pim_using_subcommand export" -l format -d 'Output format of the report' -r -f -a "human\t''
json\t''
github\t''"
complete -c pim -n "__fish_pim_using_subcommand export" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand export" -l all -d 'Export every channel'
complete -c pim -n "__fish_pim_using_subcommand export" -l skip-invalid -d 'Leave out items with errors instead of refusing the export'
complete -c pim -n "__fish_pim_using_subcommand export" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand diff" -l format -d 'Output format' -r -f -a "human\t''
markdown\t''
json\t''"
complete -c pim -n "__fish_pim_using_subcommand diff" -l price-alert -d 'Warn when a price moves by more than PCT percent' -r
complete -c pim -n "__fish_pim_using_subcommand diff" -l fail-on -d 'Exit 1 when the change introduces errors' -r -f -a "new-errors\t''"
complete -c pim -n "__fish_pim_using_subcommand diff" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand diff" -l no-cache -d 'Check every product of both revisions, without reading or writing the cache in .pim/cache'
complete -c pim -n "__fish_pim_using_subcommand diff" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand import; and not __fish_seen_subcommand_from akeneo shopify help" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand import; and not __fish_seen_subcommand_from akeneo shopify help" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand import; and not __fish_seen_subcommand_from akeneo shopify help" -f -a "akeneo" -d 'Akeneo\'s CSV exports in DIR (attributes.csv, families.csv, products.csv, ...)'
complete -c pim -n "__fish_pim_using_subcommand import; and not __fish_seen_subcommand_from akeneo shopify help" -f -a "shopify" -d 'A Shopify product CSV (classic or 2024 column names)'
complete -c pim -n "__fish_pim_using_subcommand import; and not __fish_seen_subcommand_from akeneo shopify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from akeneo" -l into -d 'The project folder to write into, created if needed [default: the current folder]' -r -F
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from akeneo" -l name -d 'The project\'s name in pim.toml [default: the folder\'s name]' -r
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from akeneo" -l format -d 'Output format of the report' -r -f -a "human\t''
json\t''"
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from akeneo" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from akeneo" -l force -d 'Overwrite files that exist and differ (without it they are kept, and listed)'
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from akeneo" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from shopify" -l locale -d 'Locale of titles and descriptions [default: the project\'s default locale, else en-US]' -r
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from shopify" -l currency -d 'Currency of prices [default: the project\'s first currency, else USD]' -r
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from shopify" -l into -d 'The project folder to write into, created if needed [default: the current folder]' -r -F
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from shopify" -l name -d 'The project\'s name in pim.toml [default: the folder\'s name]' -r
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from shopify" -l format -d 'Output format of the report' -r -f -a "human\t''
json\t''"
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from shopify" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from shopify" -l force -d 'Overwrite files that exist and differ (without it they are kept, and listed)'
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from shopify" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "akeneo" -d 'Akeneo\'s CSV exports in DIR (attributes.csv, families.csv, products.csv, ...)'
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "shopify" -d 'A Shopify product CSV (classic or 2024 column names)'
complete -c pim -n "__fish_pim_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pim -n "__fish_pim_using_subcommand init" -l name -d 'The project\'s name [default: the folder\'s name]' -r
complete -c pim -n "__fish_pim_using_subcommand init" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand init" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand new" -l family -d 'The product\'s family: a schema in schemas/families/' -r
complete -c pim -n "__fish_pim_using_subcommand new" -l variant-of -d 'Add SKU as a variant to this product\'s file instead' -r
complete -c pim -n "__fish_pim_using_subcommand new" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand new" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand show" -l channel -d 'Only this channel of pim.toml (repeat for several) [default: every channel]' -r
complete -c pim -n "__fish_pim_using_subcommand show" -l format -d 'Output format' -r -f -a "human\t''
yaml\t''
json\t''"
complete -c pim -n "__fish_pim_using_subcommand show" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand show" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand report" -l channel -d 'Only this channel of pim.toml (repeat for several), or `all` [default: every channel]' -r
complete -c pim -n "__fish_pim_using_subcommand report" -l format -d 'Output format' -r -f -a "human\t''
json\t''
markdown\t''
html\t''"
complete -c pim -n "__fish_pim_using_subcommand report" -l out -d 'Write the report to FILE instead of stdout' -r -F
complete -c pim -n "__fish_pim_using_subcommand report" -l worst -d 'List the N worst items per channel (the rest are counted)' -r
complete -c pim -n "__fish_pim_using_subcommand report" -l history -d 'Add completeness per channel at each of the last N commits that touched the catalog' -r
complete -c pim -n "__fish_pim_using_subcommand report" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand report" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand completions" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand completions" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand man" -s C -l project -d 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)' -r -F
complete -c pim -n "__fish_pim_using_subcommand man" -s h -l help -d 'Print help'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "validate" -d 'Check the catalog: YAML, JSON Schemas and catalog rules, every problem with its position'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "export" -d 'Render channel feeds (CSV, TSV, JSON, XML, HTML) from the catalog'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "diff" -d 'Compare the catalog at two git revisions: products, fields, problems and channels'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "import" -d 'Bring a catalog in from Akeneo or Shopify: a new project, or new files in one'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "init" -d 'Start a catalog project: settings, schemas, templates, two example products, CI and editor files'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "new" -d 'Add a product file, or a variant, with placeholders for what its schemas require'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "show" -d 'Show a product or variant as each channel sees it, and why an item is left out'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "report" -d 'Catalog quality per channel: completeness, grades A–E, most missing attributes, worst items'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "completions" -d 'Print a completion script for a shell'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "man" -d 'Print pim\'s man page (roff)'
complete -c pim -n "__fish_pim_using_subcommand help; and not __fish_seen_subcommand_from validate export diff import init new show report completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pim -n "__fish_pim_using_subcommand help; and __fish_seen_subcommand_from import" -f -a "akeneo" -d 'Akeneo\'s CSV exports in DIR (attributes.csv, families.csv, products.csv, ...)'
complete -c pim -n "__fish_pim_using_subcommand help; and __fish_seen_subcommand_from import" -f -a "shopify" -d 'A Shopify product CSV (classic or 2024 column names)'
