package esindex

// indexBody is the body of PUT /{index}: the seed's trigram analysis
// (INVENTORY.md §9) plus a lower-cased keyword sub-field for exact and
// prefix matching. Dynamic mapping is off: documents hold exactly
// username and pictureUrl.
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
      "pictureUrl": {"type": "keyword", "index": false}
    }
  }
}`

// source is a document as stored in the index.
type source struct {
	Username   string  `json:"username"`
	PictureURL *string `json:"pictureUrl"`
}

// searchBody is the body of POST /{index}/_search.
type searchBody struct {
	Size   int      `json:"size"`
	Query  any      `json:"query"`
	Source []string `json:"_source"`
}

type object = map[string]any

// searchQuery is the seed's match query (60% of the query's trigrams)
// widened by exact and prefix clauses on the lower-cased keyword.
func searchQuery(norm string) any {
	return object{"bool": object{
		"should": []any{
			object{"term": object{"username.keyword": object{"value": norm, "boost": 100}}},
			object{"prefix": object{"username.keyword": object{"value": norm, "boost": 10}}},
			object{"match": object{"username": object{"query": norm, "minimum_should_match": "60%"}}},
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
