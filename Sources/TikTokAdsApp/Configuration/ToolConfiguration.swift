import Foundation
import SyncKit
import TikTokAds
import Yams

/// The typed settings of a sync: what the YAML config file (`tiktok-ads.yml`) decodes into, and what the flags fill
/// too (`SyncRequest.flagSettings()`), so both pass through one `validate`. In the file, `${NAME}` in a value is
/// replaced by the environment variable; every key is checked against `schema` (an unknown key is an error).
public struct ToolConfiguration: Decodable, Sendable {
    public var accessToken: String?
    public var appID: String?
    public var appSecret: String?
    public var apiBaseURL: String?
    /// Read TikTok's sandbox API (`https://sandbox-ads.tiktok.com/open_api/`) instead of production.
    public var sandbox: Bool?
    /// The redirect URI registered for the app, for `auth login`.
    public var redirectURI: String?
    /// Where `auth login` saves the token and `sync` finds it (default: the XDG config directory).
    public var credentialsFile: String?
    public var advertiserIDs: [String]?
    public var objects: [ObjectEntry]?
    public var includeDeleted: Bool?
    /// A report metric TikTok refuses fails its stream instead of being dropped (docs/retired-metrics.md).
    public var strictMetrics: Bool?
    /// `off`, `warn` (default) or `fail`: compare level reports with the account totals after each sync.
    public var reconcile: String?
    public var startDate: LocalDate?
    public var lookbackDays: Int?
    public var concurrency: Int?
    public var rateLimit: RateLimitEntry?
    public var requestTimeoutSeconds: Double?
    public var maxAttempts: Int?
    /// Days of report rows to keep, for every time-series object.
    public var retentionDays: Int?
    /// Per-object retention that overrides `retention_days`.
    public var retentionDaysByObject: [String: Int]?
    public var sqlite: String?
    /// `destination: {type: sqlite|bigquery|sheets, bigquery: {project, dataset, location, credentials}}`.
    public var destination: DestinationChoice.Entry?
    /// `schedule: {daily: "05:00" | hourly: 15 | cron: "0 */6 * * *", timezone: Europe/Berlin, jitter_seconds: 60, metrics_port: 9464}`.
    public var schedule: ScheduleEntry?
    /// Where these settings came from (the file, or the flags), for messages that name a setting as the user wrote it.
    public var origin: SettingOrigin = .file(nil)

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case accessToken = "access_token", appID = "app_id", appSecret = "app_secret", apiBaseURL = "api_base_url"
        case advertiserIDs = "advertiser_ids", objects, includeDeleted = "include_deleted", startDate = "start_date"
        case lookbackDays = "lookback_days", concurrency, rateLimit = "rate_limit", requestTimeoutSeconds = "request_timeout_seconds"
        case maxAttempts = "max_attempts", retentionDays = "retention_days", retentionDaysByObject = "retention_days_by_object"
        case sqlite, destination, schedule, strictMetrics = "strict_metrics"
        case sandbox, redirectURI = "redirect_uri", credentialsFile = "credentials_file"
        case reconcile
    }

    /// An object by name, or `{name, fields}`.
    public struct ObjectEntry: Decodable, Sendable {
        public var name: String
        public var fields: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, fields }

        public init(name: String, fields: [String]? = nil) {
            self.name = name
            self.fields = fields
        }

        public init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                self.name = name
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            fields = try container.decodeIfPresent([String].self, forKey: .fields)
        }
    }

    /// The `schedule:` section, read by `tiktok-ads schedule` (its flags win).
    public struct ScheduleEntry: Decodable, Sendable {
        public var daily: String?
        public var hourly: Int?
        public var cron: String?
        public var timezone: String?
        public var jitterSeconds: Int?
        public var metricsPort: Int?

        public init() {}

        public init(daily: String?, hourly: Int?, cron: String?, timezone: String?, jitterSeconds: Int?, metricsPort: Int?) {
            self.daily = daily
            self.hourly = hourly
            self.cron = cron
            self.timezone = timezone
            self.jitterSeconds = jitterSeconds
            self.metricsPort = metricsPort
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case daily, hourly, cron, timezone, jitterSeconds = "jitter_seconds", metricsPort = "metrics_port"
        }
    }

    public struct RateLimitEntry: Decodable, Sendable {
        public var qps: Int?
        public var qpm: Int?

        public init(qps: Int? = nil, qpm: Int? = nil) {
            self.qps = qps
            self.qpm = qpm
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case qps, qpm }
    }

    /// The keys holding TikTok credentials, not read by commands that never call the API.
    public static let credentialKeys: Set<String> = ["access_token", "app_id", "app_secret"]

    /// A config file larger than this is refused before it is parsed (a real one is a few hundred bytes).
    public static let maximumFileBytes = 1 << 20
    /// A config file with more values than this, counted with aliases expanded, is refused (a real one has a few
    /// dozen; nested aliases can otherwise describe billions).
    public static let maximumValues = 100_000

    /// Reads, parses and validates the config file at `path`; any problem is bad input naming the key, the value
    /// and the fix. `now` is the instant the run treats as now (for `start_date`).
    /// `ignoring`: top-level keys the command does not use, dropped after the key check and before `${NAME}` is
    /// substituted (a command that never calls TikTok needs no token variable).
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            now: Date = Date(), ignoring: Set<String> = []) throws -> ToolConfiguration {
        var isDirectory: ObjCBool = false
        guard !path.isEmpty, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: path) else {
            throw SyncError(.badInput, "Cannot read the config file '\(path)'. Check the path, or run without --config.")
        }
        guard data.count <= maximumFileBytes else {
            throw SyncError(.badInput, "The config file '\(path)' is \(data.count) bytes; a config file is at most \(maximumFileBytes) bytes. Check that --config names the YAML settings file.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SyncError(.badInput, "The config file '\(path)' is not UTF-8 text. Save it as UTF-8 YAML.")
        }
        var configuration = try parse(text, file: path, environment: environment, ignoring: ignoring)
        configuration.origin = .file(path)
        try configuration.validate(now: now)
        return configuration
    }

    /// Parses the text of a config file: YAML whose keys are all in `schema` (checked at every level before anything
    /// is decoded), `${NAME}` replaced in values after parsing (so a variable's value can never add keys), then
    /// decoded. Values are not range-checked here; `validate` does that.
    public static func parse(_ text: String, file: String, environment: [String: String],
                             ignoring: Set<String> = []) throws -> ToolConfiguration {
        let parsed: Node?
        do {
            parsed = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw SyncError(.badInput, "The config file '\(file)' is not valid YAML: \(describe(error)). Fix that line; `key: value`, one setting per line.")
        } catch {
            throw SyncError(.badInput, "The config file '\(file)' is not valid YAML. Fix it; `key: value`, one setting per line.")
        }
        guard let root = parsed else { return ToolConfiguration() }  // empty, or only comments
        guard case .mapping = root else {
            throw SyncError(.badInput, "The config file '\(file)' must be a mapping of settings (`key: value` lines such as `concurrency: 4`); it is \(kind(of: root)).")
        }
        try checkKeys(root, schema: schema, path: "", file: file)
        var used = root
        if case .mapping(var mapping) = root, !ignoring.isEmpty {
            let kept = mapping.filter { !ignoring.contains($0.key.string ?? "") }.map { ($0.key, $0.value) }
            mapping = Node.Mapping(kept, mapping.tag, mapping.style, mapping.mark)
            used = .mapping(mapping)
        }
        var budget = maximumValues
        let substituted = try substitute(used, environment: environment, file: file, path: "", budget: &budget)
        registerSecrets(in: substituted)
        do {
            return try YAMLDecoder().decode(ToolConfiguration.self, from: substituted)
        } catch let error as DecodingError {
            throw SyncError(.badInput, describe(error, file: file, root: substituted))
        } catch {
            throw SyncError(.badInput, "The config file '\(file)' could not be read as settings. Compare it with the README's configuration reference.")
        }
    }

    // MARK: Keys

    /// Refuses a key this level does not know, naming its path and the closest known key; walks into sections, the
    /// items of `objects`, and checks that `retention_days_by_object` names objects.
    static func checkKeys(_ node: Node, schema: ConfigurationSchema, path: String, file: String,
                          reference: String = "the README's configuration reference lists every key") throws {
        guard case .mapping(let mapping) = node else { return }  // a wrong type is the decoder's to report
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw SyncError(.badInput, "The config file '\(file)' has a key that is not a name\(path.isEmpty ? "" : " in `\(path)`") (a list or mapping used as a key). Use `name: value`.")
            }
            let key = keyScalar.string
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard schema.keys.contains(key) else {
                throw SyncError(.badInput, unknownKeyMessage(key: key, section: path, allowed: schema.keys, file: file, reference: reference))
            }
            switch schema.children[key] {
            case nil:
                break
            case .section(let section):
                try checkKeys(value, schema: section, path: keyPath, file: file, reference: reference)
            case .listOf(let item):
                guard case .sequence(let items) = value else { break }
                for (index, element) in items.enumerated() {
                    try checkKeys(element, schema: item, path: "\(keyPath)[\(index)]", file: file, reference: reference)
                }
            case .byName(let item):
                guard case .mapping(let named) = value else { break }
                for (nameNode, element) in named {
                    try checkKeys(element, schema: item, path: "\(keyPath).\(nameNode.string ?? "?")", file: file, reference: reference)
                }
            case .byObject:
                guard case .mapping(let objects) = value else { break }
                for (objectNode, _) in objects {
                    let name = objectNode.string ?? ""
                    if Catalog.object(named: name) == nil {
                        throw SyncError(.badInput, unknownObjectMessage(name, setting: "`\(keyPath).\(SettingText.quoted(name))` in the config file '\(file)'"))
                    }
                }
            }
        }
    }

    static func unknownKeyMessage(key: String, section: String, allowed: [String], file: String,
                                  reference: String = "the README's configuration reference lists every key") -> String {
        let shown = SettingText.quoted(key, limit: 60)
        let shownPath = section.isEmpty ? shown : "\(section).\(shown)"
        var message = "The config file '\(file)' has an unknown key `\(shownPath)`"
        if let suggestion = ConfigurationSchema.closest(to: key, among: allowed) {
            message += "; did you mean `\(suggestion)`?"
        } else {
            message += "."
        }
        let level = section.isEmpty ? "at the top level" : "in `\(section)`"
        return message + " Keys allowed \(level): \(allowed.joined(separator: ", ")) (\(reference))."
    }

    /// An object name that is not in the catalog, with the closest one.
    static func unknownObjectMessage(_ name: String, setting: String) -> String {
        let names = Catalog.objects.map(\.name)
        let hint = ConfigurationSchema.closest(to: name, among: names).map { " Did you mean `\($0)`?" } ?? ""
        return "\(setting) names unknown object '\(SettingText.quoted(name, limit: 60))'.\(hint) Known objects: \(names.joined(separator: ", ")) (`tiktok-ads discover` describes them)."
    }

    // MARK: Substitution

    /// Registers the secret values of the file (as written, or from variables), so no later message can show them.
    static func registerSecrets(in root: Node) {
        for key in ["access_token", "app_secret"] {
            guard let value = root[key]?.string else { continue }
            SecretRedactor.register(value)
            SecretRedactor.register(value.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Replaces `${NAME}` in every scalar value (never in keys) with the environment variable; a missing variable is an
    /// error that names it (never its value). A plain scalar's type is resolved again from the result (so
    /// `concurrency: ${STREAMS}` is a number); a quoted one stays text.
    static func substitute(_ node: Node, environment: [String: String], file: String, path: String, budget: inout Int) throws -> Node {
        budget -= 1
        guard budget >= 0 else {
            throw SyncError(.badInput, "The config file '\(file)' holds more than \(maximumValues) values once its aliases (*name) are expanded; a config file needs a few dozen. Write the settings out without nested aliases.")
        }
        switch node {
        case .scalar(var scalar):
            guard scalar.string.contains("${") else { return node }
            let tag = scalar.tag
            scalar.string = try substitute(scalar.string, environment: environment, file: file, path: path)
            if scalar.style != .plain { scalar.tag = tag }
            return .scalar(scalar)
        case .mapping(var mapping):
            for index in mapping.indices {
                let (key, value) = mapping[index]
                let keyPath = path.isEmpty ? (key.string ?? "") : "\(path).\(key.string ?? "")"
                mapping[index] = (key, try substitute(value, environment: environment, file: file, path: keyPath, budget: &budget))
            }
            return .mapping(mapping)
        case .sequence(var sequence):
            for index in sequence.indices {
                sequence[index] = try substitute(sequence[index], environment: environment, file: file, path: "\(path)[\(index)]", budget: &budget)
            }
            return .sequence(sequence)
        case .alias:
            return node
        }
    }

    /// Replaces `${NAME}` with the environment variable; a missing variable is an error that names it (never its value).
    static func substitute(_ text: String, environment: [String: String], file: String, path: String = "") throws -> String {
        var output = ""
        var rest = Substring(text)
        let place = path.isEmpty ? "" : " (in `\(path)`)"
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw SyncError(.badInput, "The config file '\(file)' has an unclosed '${'\(place). Write ${NAME} with a closing brace.")
            }
            let name = String(rest[start.upperBound..<end])
            guard let value = environment[name] else {
                throw SyncError(.badInput, "The config file '\(file)' uses ${\(SettingText.quoted(name, limit: 60))}\(place), but the environment variable \(SettingText.quoted(name, limit: 60)) is not set. Set it, or write the value in the file.")
            }
            output += value
            rest = rest[rest.index(after: end)...]
        }
        return output + rest
    }

    // MARK: Messages

    static func kind(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): "a single value ('\(SettingText.quoted(scalar.string, limit: 40))')"
        case .sequence: "a list"
        case .mapping: "a mapping"
        case .alias: "an alias"
        }
    }

    /// A YAML syntax error by line and column, without quoting the file (it may hold a token).
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text))" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(during)"
        case .reader(let problem, _, _, _):
            return problem
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "`\(SettingText.quoted($0, limit: 60))`" }.joined(separator: ", ")
            return "line \(context.mark.line): the key \(keys) is given more than once; keep one"
        default:
            return "it cannot be parsed"
        }
    }

    /// A decoding error as the key path, what it must be, and (except for secrets) what it is.
    static func describe(_ error: DecodingError, file: String, root: Node) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text
        }
        func found(_ codingPath: [any CodingKey]) -> String {
            let keyPath = path(codingPath)
            if ["access_token", "app_secret", "app_id"].contains(keyPath) { return "" }
            var node: Node? = root
            for key in codingPath {
                node = key.intValue.map { index in node?.sequence.flatMap { index < $0.count ? $0[index] : nil } } ?? node?[key.stringValue]
            }
            return node.map { "; it is \(kind(of: $0))" } ?? ""
        }
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let keyPath = path(context.codingPath)
            return "`\(keyPath)` in the config file '\(file)' must be \(expected(type, keyPath: keyPath))\(found(context.codingPath)). See the README's configuration reference."
        case .dataCorrupted(let context):
            let keyPath = path(context.codingPath)
            let reason = context.debugDescription
            return "`\(keyPath)` in the config file '\(file)' is not valid: \(reason)\(reason.hasSuffix(".") ? "" : ".") See the README's configuration reference."
        case .keyNotFound(let key, let context):
            let keyPath = path(context.codingPath)
            return "`\(keyPath)` in the config file '\(file)' needs `\(key.stringValue)`, e.g. {name: ad_insights, fields: [spend, clicks]}."
        @unknown default:
            return "The config file '\(file)' could not be read as settings. Compare it with the README's configuration reference."
        }
    }

    /// What a value of `type` looks like, in words, with the allowed range when the key has one.
    static func expected(_ type: Any.Type, keyPath: String) -> String {
        let range = SettingLimits.rangeText(forKey: keyPath).map { " from \($0)" } ?? ""
        let section = keyPath.replacingOccurrences(of: #"\[\d+\]"#, with: "[]", options: .regularExpression)
        switch section {
        case "advertiser_ids": return "a list of advertiser ids, e.g. [\"7012345678901234567\"]"
        case "objects": return "a list of object names or {name, fields} entries, e.g. [campaigns, {name: ad_insights, fields: [spend]}]"
        case "objects[]": return "an object name or a {name, fields} entry"
        case "objects[].fields": return "a list of field names, e.g. [spend, clicks]"
        case "retention_days_by_object": return "a mapping from object name to days, e.g. {ad_insights: 90}"
        default: break
        }
        if case .section? = schema.children[section], !section.contains(".") {
            return "a mapping of its keys, e.g. \(section): {…}"
        }
        if ["destination.bigquery", "destination.sheets", "destination.files", "destination.postgres"].contains(section) { return "a mapping of its keys" }
        switch type {
        case is Int.Type: return "a whole number\(range)"
        case is Double.Type: return "a number\(range)"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a text value"
        case is LocalDate.Type: return "a date YYYY-MM-DD"
        case is [String].Type: return "a list of text values, e.g. [a, b]"
        case is [ObjectEntry].Type: return "a list of object names or {name, fields} entries"
        case is [String: Int].Type: return "a mapping from object name to a number of days"
        default:
            let name = "\(type)"
            if name.contains("Scalar") {  // a list or mapping where one value belongs
                if section == "request_timeout_seconds" { return "a number\(range)" }
                if !range.isEmpty { return "a whole number\(range)" }
                if section == "include_deleted" || section == "strict_metrics" { return "true or false" }
                if section == "start_date" { return "a date YYYY-MM-DD" }
                return "a single text value"
            }
            if name.contains("Array") || name.contains("Sequence") { return "a list" }
            if name.contains("Dictionary") || name.contains("Mapping") || name.contains("Entry") { return "a mapping" }
            return "a value of type \(name)"
        }
    }
}
