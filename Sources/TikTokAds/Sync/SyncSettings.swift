import SyncKit

/// One object to import and, optionally, the fields chosen for it.
public struct ObjectSelection: Sendable, Hashable {
    public var object: CatalogObject
    /// nil = the object's default fields.
    public var fields: [String]?

    public init(object: CatalogObject, fields: [String]? = nil) {
        self.object = object
        self.fields = fields
    }

    public func schema() throws -> TableSchema { try object.schema(selecting: fields) }
}

/// What a sync reads from TikTok.
public struct SyncSettings: Sendable {
    /// nil = every advertiser the token can access (`oauth2/advertiser/get`).
    public var advertiserIDs: [String]?
    public var objects: [ObjectSelection]
    /// Include deleted campaigns, ad groups and ads, and their report rows.
    public var includeDeleted: Bool
    /// Where the first run of a report stream starts.
    public var startDate: LocalDate
    /// When set (no start date configured), only the last this-many days of each account, its own today included, are
    /// read (never before `startDate`): a first run is one report window whatever the account's timezone, and a run
    /// that resumes an interrupted one reads the same days.
    public var historyDays: Int?
    /// Days re-read before the bookmark on each run, because TikTok restates conversions.
    public var lookbackDays: Int
    /// A backfill range that replaces the incremental window (`--start-date/--end-date`).
    public var backfill: DateWindow?
    public var pageSize: Int
    public var audiencePageSize: Int
    /// Page size of the creative asset listings (`file/video/ad/search/`, `file/image/ad/search/`): 100, as Airbyte
    /// asks for (TikTok's search endpoints take smaller pages than the entity listings).
    public var creativePageSize: Int = 100
    /// A report metric TikTok refuses fails its stream, instead of being dropped (its column NULL in new rows) while
    /// the stream goes on (`strict_metrics`).
    public var strictMetrics: Bool

    public init(advertiserIDs: [String]? = nil, objects: [ObjectSelection], includeDeleted: Bool = false,
                startDate: LocalDate, historyDays: Int? = nil, lookbackDays: Int = 7, backfill: DateWindow? = nil,
                pageSize: Int = 1000, audiencePageSize: Int = 100, strictMetrics: Bool = false) {
        self.historyDays = historyDays
        self.advertiserIDs = advertiserIDs
        self.objects = objects
        self.includeDeleted = includeDeleted
        self.startDate = startDate
        self.lookbackDays = lookbackDays
        self.backfill = backfill
        self.pageSize = pageSize
        self.audiencePageSize = audiencePageSize
        self.strictMetrics = strictMetrics
    }

    /// The dates each report stream reads on a run, from these settings (the sync, its plan and its reconciliation agree).
    public var windowPlanner: ReportWindowPlanner {
        ReportWindowPlanner(startDate: startDate, historyDays: historyDays, lookbackDays: lookbackDays, backfill: backfill)
    }
}
