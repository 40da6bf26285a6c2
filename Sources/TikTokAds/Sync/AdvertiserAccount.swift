import Foundation
import SyncKit

/// An advertiser as `advertiser/info/` describes it: what the sync needs (timezone) and the raw record.
public struct AdvertiserAccount: Sendable {
    public var id: String
    public var name: String?
    public var timeZone: TimeZone
    public var timeZoneName: String
    public var record: JSONValue

    /// Today's date in the account's timezone.
    public func today(at now: Date) -> LocalDate { LocalDate(now, in: timeZone) }
}
