package esindex

// indexBody is the body of PUT /{index}: the seed's trigram analysis
// (INVENTORY.md §9) plus a lower-cased keyword sub-field for exact and
// prefix matching, for the username and the display name alike. Dynamic
// mapping is off: documents hold exactly username, displayName (when the
// user has one) and pictureUrl.
const indexBody = `{
  "settings": {
    "analysis": {
      "tokenizer": {
        "trigram_tokenizer": {"type": "ngram", "min_gram": 3, "max_gram": 3, "token_chars": ["letter", "digit"]}
      },
      "analyzer": {
        "trigrams": {"type": "custom", "tokenizer": "trigram_tokenizer", "filter": ["lowercase"]}
      },
      "normalizer": {
        "lower": {"type": "custom", "filter": ["lowercase"]}
      }
    }
  },
  "mappings": {
    "dynamic": "strict",
    "properties": {
      "username": {
        "type": "text",
        "analyzer": "trigrams",
        "fields": {"keyword": {"type": "keyword", "normalizer": "lower"}}
      },
      "displayName": ` + displayNameMapping + `,
      "pictureUrl": {"type": "keyword", "index": false}
    }
  }
}`

// displayNameMapping is the display name field (issue 13), analysed like
// the username with the analyzer and normalizer every index of ours has.
const displayNameMapping = `{
        "type": "text",
        "analyzer": "trigrams",
        "fields": {"keyword": {"type": "keyword", "normalizer": "lower"}}
      }`

// namesMappingBody is the body of PUT /{index}/_mapping that adds the
// display name to an index created before it existed. Adding a field is
// allowed on a live index, and sending the same definition again is a
// no-op, so Open sends it to every existing index.
const namesMappingBody = `{"properties": {"displayName": ` + displayNameMapping + `}}`

// source is a document as stored in the index.
type source struct {
	Username    string  `json:"username"`
	DisplayName string  `json:"displayName,omitempty"`
	PictureURL  *string `json:"pictureUrl"`
}

// searchBody is the body of POST /{index}/_search.
type searchBody struct {
	Size   int      `json:"size"`
	Query  any      `json:"query"`
	Source []string `json:"_source"`
}

type object = map[string]any

// searchQuery is the seed's match query (60% of the query's trigrams)
// widened by exact and prefix clauses on the lower-cased keyword, and the
// same prefix and match clauses on the display name.
func searchQuery(norm string) any {
	return object{"bool": object{
		"should": []any{
			object{"term": object{"username.keyword": object{"value": norm, "boost": 100}}},
			object{"prefix": object{"username.keyword": object{"value": norm, "boost": 10}}},
			object{"prefix": object{"displayName.keyword": object{"value": norm, "boost": 5}}},
			object{"match": object{"username": object{"query": norm, "minimum_should_match": "60%"}}},
			object{"match": object{"displayName": object{"query": norm, "minimum_should_match": "60%"}}},
		},
		"minimum_should_match": 1,
	}}
}

// searchResponse is the part of a search answer the adapter reads.
type searchResponse struct {
	Hits struct {
		Hits []struct {
			ID     string  `json:"_id"`
			Score  float64 `json:"_score"`
			Source source  `json:"_source"`
		} `json:"hits"`
	} `json:"hits"`
}

// errorResponse is the part of an error answer the adapter reads.
type errorResponse struct {
	Error struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}
