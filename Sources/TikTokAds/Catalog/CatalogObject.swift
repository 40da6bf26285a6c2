import SyncKit

/// A field the tool can import: the column it becomes, the API name it comes from, its type and meaning.
public struct CatalogField: Sendable, Hashable {
    /// The destination column name.
    public var name: String
    /// The name TikTok uses in `fields` / `metrics` / `dimensions`, when different from `name`.
    public var apiName: String
    public var type: FieldType
    public var description: String
    /// Imported when the user does not choose fields.
    public var isDefault: Bool
    /// Set by the connector rather than requested from the API (e.g. `advertiser_id` on report rows).
    public var isInjected: Bool

    public init(_ name: String, _ type: FieldType, _ description: String, api apiName: String? = nil,
                isDefault: Bool = true, injected: Bool = false) {
        self.name = name
        self.apiName = apiName ?? name
        self.type = type
        self.description = description
        self.isDefault = isDefault
        self.isInjected = injected
    }

    public var field: Field { Field(name, type, description) }
}

/// How an object is read from the API.
public enum ObjectSource: Sendable, Hashable {
    /// `advertiser/info/`, batched by 100 ids.
    case advertiserInfo
    /// A paged entity listing such as `campaign/get/`; `statusAll` is the `secondary_status` that includes deleted ones.
    case entity(endpoint: String, statusAll: String)
    /// `dmp/custom_audience/list/`, at most 100 per page.
    case audiences
    /// `report/integrated/get/`.
    case report(ReportSpec)
    /// The ad account's creative library, `file/video/ad/search/` or `file/image/ad/search/`: a paged listing of
    /// every asset, at most 100 per page (`SyncSettings.creativePageSize`).
    case creativeAssets(endpoint: String)
}

/// One importable object: a destination table and how to fill it.
public struct CatalogObject: Sendable, Hashable {
    /// The name users select, e.g. `ad_insights`.
    public var name: String
    /// The destination table, e.g. `tiktok_ads_ad_insights`.
    public var table: String
    public var description: String
    public var source: ObjectSource
    public var fields: [CatalogField]
    public var key: [String]
    public var timeField: String?
    /// For an object whose rows are a snapshot replaced on every run (lifetime reports): the column that stamps each
    /// row with the time of the run that read it (`synced_at`). Always selected; see `SyncKit.Snapshot`.
    public var snapshotStamp: String? = nil

    public var isTimeSeries: Bool { timeField != nil }

    public var report: ReportSpec? {
        if case .report(let spec) = source { return spec }
        return nil
    }

    public func field(named name: String) -> CatalogField? { fields.first { $0.name == name } }

    /// The table schema for a selection of fields (nil = the defaults); key fields are always added,
    /// columns keep catalog order. Unknown names are bad input, with the names that exist.
    public func schema(selecting selection: [String]? = nil) throws -> TableSchema {
        let chosen: [CatalogField]
        if let selection {
            let unknown = selection.filter { field(named: $0) == nil }
            if !unknown.isEmpty {
                throw SyncError(.badInput,
                    "Unknown field(s) \(unknown.map { "'\($0)'" }.joined(separator: ", ")) for object '\(name)'. Run `tiktok-ads discover --object \(name)` to list its fields.")
            }
            let wanted = Set(selection).union(key).union(snapshotStamp.map { [$0] } ?? [])
            chosen = fields.filter { wanted.contains($0.name) || $0.isInjected && key.contains($0.name) }
        } else {
            chosen = fields.filter { $0.isDefault || key.contains($0.name) || $0.name == snapshotStamp }
        }
        return TableSchema(name: table, fields: chosen.map(\.field), key: key, timeField: timeField, knownColumns: fields.map(\.name))
    }
}
