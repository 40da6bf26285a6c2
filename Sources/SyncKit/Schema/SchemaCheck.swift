/// Compares the tables a run will use, as a destination found them, with the catalog, once for every destination:
/// a table of another tool or of an older layout is refused before anything is written, with a message that names
/// the table, the column, what was found, what tiktok-ads writes and what to do.
///
/// The policy (README, "Tables and state that are not the tool's"):
/// - a column of ours with another type, a unique key that does not hold, a column that is there twice, an object
///   that is not a table, and (where columns are matched by position) our columns out of catalog order: refused;
/// - a column of ours that is missing: added as a nullable column where the destination can (existing rows get NULL);
///   a missing key column is refused (the rows already there have no key), except in an empty sheet tab;
/// - a column that is not ours (or a field no longer selected): left alone, NULL in the rows a run inserts, unless
///   it requires a value, which every insert would then fail: refused.
public enum SchemaCheck {
    /// What `applySchema` must do for each of `schemas`, or a `.badInput` error listing every problem of every table.
    public static func plan(_ schemas: [TableSchema], found: [String: FoundTable], rules: SchemaRules) throws -> [TablePlan] {
        var plans: [TablePlan] = []
        var refusals: [String] = []
        for schema in schemas {
            let (plan, problems) = compare(schema, with: found[schema.name], rules: rules)
            if problems.isEmpty {
                plans.append(plan)
            } else {
                refusals.append(refusal(schema, problems: problems, rules: rules))
            }
        }
        guard refusals.isEmpty else {
            let subject = refusals.count == 1
                ? "a table it would use is not laid out as tiktok-ads writes it"
                : "\(refusals.count) tables it would use are not laid out as tiktok-ads writes them"
            throw SyncError(.badInput, "tiktok-ads stopped before writing anything to \(rules.destination): \(subject) "
                            + "(another tool's, or an older layout).\n" + refusals.joined(separator: "\n"))
        }
        return plans
    }

    /// One problem of an existing table.
    public enum Problem: Sendable, Hashable {
        case notATable(kind: String)
        case duplicateColumn(String, places: [String])
        case wrongType(column: String, found: String, expected: String, isKey: Bool)
        case missingKeyColumn(String)
        case missingColumn(String)
        case noUniqueKey(key: [String], found: [[String]])
        case nullableKeyColumn(String)
        case foreignColumnRequiresValue(String)
        case outOfOrder(column: String, after: String)
    }

    /// The plan for one table and its problems (none: the plan holds).
    public static func compare(_ schema: TableSchema, with found: FoundTable?, rules: SchemaRules) -> (TablePlan, [Problem]) {
        guard let found else { return (TablePlan(schema: schema, exists: false), []) }
        if let kind = found.kind { return (TablePlan(schema: schema, exists: true), [.notATable(kind: kind)]) }
        let normal: (String) -> String = rules.caseInsensitiveNames ? { $0.lowercased() } : { $0 }
        var problems: [Problem] = []

        var columns: [String: FoundColumn] = [:]
        var places: [String: [String]] = [:]
        for column in found.columns {
            let name = normal(column.name)
            if columns[name] == nil { columns[name] = column }
            places[name, default: []].append(column.place ?? column.name)
        }
        for column in found.columns where places[normal(column.name)]?.count ?? 0 > 1 {
            let name = normal(column.name)
            guard let seen = places.removeValue(forKey: name) else { continue }
            problems.append(.duplicateColumn(column.name, places: seen))
        }

        let key = Set(schema.key.map(normal))
        var added: [Field] = []
        for field in schema.fields {
            let isKey = key.contains(normal(field.name))
            guard let column = columns[normal(field.name)] else {
                if !isKey, rules.canAddColumns {
                    added.append(field)
                } else if isKey, rules.canAddColumns, rules.keyRule == .columns, found.isEmpty == true {
                    added.append(field)
                } else {
                    problems.append(isKey ? .missingKeyColumn(field.name) : .missingColumn(field.name))
                }
                continue
            }
            if let expected = rules.typeName(field.type), let declared = column.type, !rules.accepts(declared, field.type) {
                problems.append(.wrongType(column: field.name, found: declared, expected: expected, isKey: isKey))
            }
            if isKey, rules.keyRule == .requiredColumns, !column.requiresValue {
                problems.append(.nullableKeyColumn(field.name))
            }
        }

        if rules.keyRule == .uniqueConstraint, let uniqueKeys = found.uniqueKeys, !schema.key.isEmpty,
           !uniqueKeys.contains(where: { Set($0.map(normal)) == key }) {
            problems.append(.noUniqueKey(key: schema.key, found: uniqueKeys))
        }

        let ours = Set(schema.fields.map { normal($0.name) })
        // Other columns are left alone (NULL in the rows a run inserts), unless every insert would fail for them.
        for column in found.columns where !ours.contains(normal(column.name)) && column.requiresValue {
            problems.append(.foreignColumnRequiresValue(column.name))
        }

        if rules.keepsColumnOrder {
            let order = schema.knownColumns.isEmpty ? schema.columnNames : schema.knownColumns
            var rank: [String: Int] = [:]
            for (i, name) in order.enumerated() where rank[normal(name)] == nil { rank[normal(name)] = i }
            var latest: (rank: Int, name: String)?
            for column in found.columns {
                guard let r = rank[normal(column.name)] else { continue }
                if let latest, r < latest.rank {
                    problems.append(.outOfOrder(column: column.name, after: latest.name))
                    break
                }
                latest = (r, column.name)
            }
        }
        return (TablePlan(schema: schema, exists: true, addedColumns: added), problems)
    }

    /// The problem as a line of the refusal.
    public static func describe(_ problem: Problem) -> String {
        switch problem {
        case .notATable(let kind):
            "it is a \(kind), not a table"
        case .duplicateColumn(let name, let places):
            "column \(name) is there \(places.count) times (\(places.joined(separator: ", "))), so tiktok-ads cannot tell which one to write"
        case .wrongType(let column, let found, let expected, _):
            "column \(column) is \(found.isEmpty ? "declared without a type" : found); tiktok-ads writes \(expected)"
        case .missingKeyColumn(let column):
            "key column \(column) is missing; tiktok-ads upserts rows on it, and the rows already there have none"
        case .missingColumn(let column):
            "column \(column) is missing, and this destination cannot add it"
        case .noUniqueKey(let key, let found):
            "no primary key or unique index is on exactly (\(key.joined(separator: ", "))), the key tiktok-ads upserts rows on"
                + (found.isEmpty ? " (it has none)" : " (it has: \(found.map { "(\($0.joined(separator: ", ")))" }.joined(separator: ", ")))")
        case .nullableKeyColumn(let column):
            "key column \(column) accepts NULL; tiktok-ads creates key columns REQUIRED, since it matches rows on them"
        case .foreignColumnRequiresValue(let column):
            "column \(column) is not a tiktok-ads column and requires a value, so every row tiktok-ads inserts would be refused"
        case .outOfOrder(let column, let after):
            "column \(column) comes after \(after); tiktok-ads keeps \(column) before \(after) (catalog order), so this header was written or rearranged by someone else"
        }
    }

    static func refusal(_ schema: TableSchema, problems: [Problem], rules: SchemaRules) -> String {
        var lines = ["\(rules.tableLabel(schema.name)):"] + problems.map { "  - " + describe($0) }
        var fix = "  Fix: " + rules.tableFix(schema.name)
        let wrongTypes = problems.compactMap { problem -> String? in
            if case .wrongType(let column, _, _, false) = problem { return column }
            return nil
        }
        if wrongTypes.count == problems.count, let drop = rules.dropColumn {
            fix += " Or drop the column\(wrongTypes.count == 1 ? "" : "s") (\(wrongTypes.map { drop(schema.name, $0) }.joined(separator: "; "))): "
                + "the next sync adds \(wrongTypes.count == 1 ? "it" : "them") back with the right type, and --start-date refills past days. "
                + "Or leave \(wrongTypes.joined(separator: ", ")) out of the selected fields (--fields)."
        }
        if problems.contains(where: { if case .outOfOrder = $0 { true } else { false } }), problems.count == 1 {
            fix += " Or put the columns back in catalog order (move whole columns, so every row moves with its header)."
        }
        lines.append(fix)
        return lines.joined(separator: "\n")
    }
}

extension Destination {
    /// Reads what exists of the tables `schemas` name and compares it with them (nothing is written): throws a
    /// `.badInput` `SyncError` naming every table that is not laid out as tiktok-ads writes it, else returns what
    /// `applySchema` must create or add.
    public func checkSchemas(_ schemas: [TableSchema]) async throws -> [TablePlan] {
        let found = try await inspectTables(schemas.map(\.name))
        return try SchemaCheck.plan(schemas, found: found, rules: schemaRules)
    }

    /// Checks the tables (`checkSchemas`), then creates the missing ones and adds missing columns (`applySchema`):
    /// nothing is written unless every table passed.
    public func prepare(_ schemas: [TableSchema]) async throws {
        try await applySchema(try await checkSchemas(schemas))
    }
}
