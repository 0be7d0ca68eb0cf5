
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'pim' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'pim'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'pim' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the catalog: YAML, JSON Schemas and catalog rules, every problem with its position')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Render channel feeds (CSV, TSV, JSON, XML, HTML) from the catalog')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the catalog at two git revisions: products, fields, problems and channels')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Bring a catalog in from Akeneo or Shopify: a new project, or new files in one')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Start a catalog project: settings, schemas, templates, two example products, CI and editor files')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Add a product file, or a variant, with placeholders for what its schemas require')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a product or variant as each channel sees it, and why an item is left out')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Catalog quality per channel: completeness, grades A–E, most missing attributes, worst items')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a completion script for a shell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print pim''s man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pim;validate' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Print at most N diagnostics (counts and the exit code still include all)')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Also check completeness for a channel of pim.toml, or `all` channels')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Print what a rule means and how to fix it, then exit')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--deny-warnings', '--deny-warnings', [CompletionResultType]::ParameterName, 'Treat warnings as errors for the exit code')
            [CompletionResult]::new('--list-rules', '--list-rules', [CompletionResultType]::ParameterName, 'Print every rule id with its severity, then exit')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Check every file again, without reading or writing the cache in .pim/cache/')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;export' {
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'A channel of pim.toml to export (repeat for several)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write into DIR instead of the project''s output folder')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Print at most N diagnostics, and list at most N left-out items per channel')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Export every channel')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Leave out items with errors instead of refusing the export')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;diff' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--price-alert', '--price-alert', [CompletionResultType]::ParameterName, 'Warn when a price moves by more than PCT percent')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when the change introduces errors')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Check every product of both revisions, without reading or writing the cache in .pim/cache')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;import' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('akeneo', 'akeneo', [CompletionResultType]::ParameterValue, 'Akeneo''s CSV exports in DIR (attributes.csv, families.csv, products.csv, ...)')
            [CompletionResult]::new('shopify', 'shopify', [CompletionResultType]::ParameterValue, 'A Shopify product CSV (classic or 2024 column names)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pim;import;akeneo' {
            [CompletionResult]::new('--into', '--into', [CompletionResultType]::ParameterName, 'The project folder to write into, created if needed [default: the current folder]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The project''s name in pim.toml [default: the folder''s name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite files that exist and differ (without it they are kept, and listed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;import;shopify' {
            [CompletionResult]::new('--locale', '--locale', [CompletionResultType]::ParameterName, 'Locale of titles and descriptions [default: the project''s default locale, else en-US]')
            [CompletionResult]::new('--currency', '--currency', [CompletionResultType]::ParameterName, 'Currency of prices [default: the project''s first currency, else USD]')
            [CompletionResult]::new('--into', '--into', [CompletionResultType]::ParameterName, 'The project folder to write into, created if needed [default: the current folder]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The project''s name in pim.toml [default: the folder''s name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite files that exist and differ (without it they are kept, and listed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;import;help' {
            [CompletionResult]::new('akeneo', 'akeneo', [CompletionResultType]::ParameterValue, 'Akeneo''s CSV exports in DIR (attributes.csv, families.csv, products.csv, ...)')
            [CompletionResult]::new('shopify', 'shopify', [CompletionResultType]::ParameterValue, 'A Shopify product CSV (classic or 2024 column names)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pim;import;help;akeneo' {
            break
        }
        'pim;import;help;shopify' {
            break
        }
        'pim;import;help;help' {
            break
        }
        'pim;init' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The project''s name [default: the folder''s name]')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;new' {
            [CompletionResult]::new('--family', '--family', [CompletionResultType]::ParameterName, 'The product''s family: a schema in schemas/families/')
            [CompletionResult]::new('--variant-of', '--variant-of', [CompletionResultType]::ParameterName, 'Add SKU as a variant to this product''s file instead')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;show' {
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Only this channel of pim.toml (repeat for several) [default: every channel]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;report' {
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Only this channel of pim.toml (repeat for several), or `all` [default: every channel]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout')
            [CompletionResult]::new('--worst', '--worst', [CompletionResultType]::ParameterName, 'List the N worst items per channel (the rest are counted)')
            [CompletionResult]::new('--history', '--history', [CompletionResultType]::ParameterName, 'Add completeness per channel at each of the last N commits that touched the catalog')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;completions' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;man' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Run as if pim was started in DIR (the project is the nearest pim.toml at or above it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'pim;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the catalog: YAML, JSON Schemas and catalog rules, every problem with its position')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Render channel feeds (CSV, TSV, JSON, XML, HTML) from the catalog')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the catalog at two git revisions: products, fields, problems and channels')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Bring a catalog in from Akeneo or Shopify: a new project, or new files in one')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Start a catalog project: settings, schemas, templates, two example products, CI and editor files')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Add a product file, or a variant, with placeholders for what its schemas require')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a product or variant as each channel sees it, and why an item is left out')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Catalog quality per channel: completeness, grades A–E, most missing attributes, worst items')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a completion script for a shell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print pim''s man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pim;help;validate' {
            break
        }
        'pim;help;export' {
            break
        }
        'pim;help;diff' {
            break
        }
        'pim;help;import' {
            [CompletionResult]::new('akeneo', 'akeneo', [CompletionResultType]::ParameterValue, 'Akeneo''s CSV exports in DIR (attributes.csv, families.csv, products.csv, ...)')
            [CompletionResult]::new('shopify', 'shopify', [CompletionResultType]::ParameterValue, 'A Shopify product CSV (classic or 2024 column names)')
            break
        }
        'pim;help;import;akeneo' {
            break
        }
        'pim;help;import;shopify' {
            break
        }
        'pim;help;init' {
            break
        }
        'pim;help;new' {
            break
        }
        'pim;help;show' {
            break
        }
        'pim;help;report' {
            break
        }
        'pim;help;completions' {
            break
        }
        'pim;help;man' {
            break
        }
        'pim;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
