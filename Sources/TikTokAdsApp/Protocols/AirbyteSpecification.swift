import Foundation
import SyncKit

/// The JSON Schema of an Airbyte connection's config: the keys of the YAML config file that apply to a source (not
/// the storage keys: the Airbyte destination decides those), with the same ranges; secrets are `airbyte_secret`.
enum AirbyteSpecification {
    /// Every key the specification declares (a test checks each is a key the config file accepts).
    static let keys = ["access_token", "advertiser_ids", "start_date", "lookback_days", "objects", "app_id", "app_secret",
                       "include_deleted", "strict_metrics", "concurrency", "rate_limit", "request_timeout_seconds", "max_attempts",
                       "api_base_url", "sandbox"]

    static let connection = """
        {"$schema":"http://json-schema.org/draft-07/schema#","title":"tiktok-ads","type":"object","required":["access_token"],\
        "additionalProperties":false,"properties":{\
        "access_token":{"type":"string","title":"Access token","description":"Your TikTok Business API long-term access token (tiktok-ads auth login prints how to get one).","airbyte_secret":true,"order":0},\
        "advertiser_ids":{"type":"array","title":"Advertiser ids","description":"The advertisers to read; leave out to read every advertiser the token may access (needs app_id and app_secret).","items":{"type":"string","pattern":"^[0-9]+$"},"minItems":1,"order":1},\
        "start_date":{"type":"string","title":"Start date","description":"Where the first read of a report stream starts (default: the last 30 days of each account).","format":"date","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$","examples":["2026-01-01"],"order":2},\
        "lookback_days":{"type":"integer","title":"Lookback days","description":"Days re-read before the bookmark on every read: TikTok restates conversions for a week.","default":7,"minimum":0,"maximum":364,"order":3},\
        "objects":{"type":"array","title":"Objects and fields","description":"Which fields each stream carries: object names, or {name, fields}; the configured catalog chooses the streams.","items":{"anyOf":[{"type":"string"},{"type":"object","required":["name"],"additionalProperties":false,"properties":{"name":{"type":"string"},"fields":{"type":"array","items":{"type":"string"}}}}]},"order":4},\
        "app_id":{"type":"string","title":"App id","description":"Your developer app's id, needed only to list advertisers when advertiser_ids is left out.","order":5},\
        "app_secret":{"type":"string","title":"App secret","description":"Your developer app's secret, needed only with app_id.","airbyte_secret":true,"order":6},\
        "include_deleted":{"type":"boolean","title":"Include deleted","description":"Also read deleted campaigns, ad groups and ads.","default":false,"order":7},\
        "strict_metrics":{"type":"boolean","title":"Strict metrics","description":"A report metric TikTok refuses fails its stream instead of being left empty.","default":false,"order":8},\
        "concurrency":{"type":"integer","title":"Concurrency","description":"Streams read at once (the most requests in flight).","default":16,"minimum":1,"maximum":64,"order":9},\
        "rate_limit":{"type":"object","title":"Rate limit","description":"A hard ceiling on requests; without it the pace is learned from TikTok's answers.","additionalProperties":false,"properties":{"qps":{"type":"integer","minimum":1,"maximum":10000},"qpm":{"type":"integer","minimum":1,"maximum":600000}},"order":10},\
        "request_timeout_seconds":{"type":"number","title":"Request timeout (seconds)","default":120,"minimum":1,"maximum":3600,"order":11},\
        "max_attempts":{"type":"integer","title":"Attempts per request","default":8,"minimum":1,"maximum":100,"order":12},\
        "api_base_url":{"type":"string","title":"API base URL","description":"Another TikTok Business API base URL (a proxy or the simulator).","order":13},\
        "sandbox":{"type":"boolean","title":"Sandbox","description":"Read TikTok's sandbox API with a sandbox token.","default":false,"order":14}\
        }}
        """
}
