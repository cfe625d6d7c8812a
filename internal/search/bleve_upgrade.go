package search

import (
	"errors"
	"fmt"
	"os"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
)

// A bleve index keeps the mapping it was created with, and a static
// mapping silently drops fields it does not name. An index created before
// display names were indexed (issue 13) would never find anyone by one,
// so OpenBleve rebuilds it: every stored user is copied into a new index
// with the current mapping (display names: none, they did not exist), and
// the new directory replaces the old one. Later events fill the names in.
//
// The swap is two renames: dir → dir.old, dir.new → dir. A crash between
// them leaves dir missing and dir.old complete; finishUpgrade puts the old
// index back, and the next open rebuilds again.

const upgradePage = 1000

// current reports whether idx was created with every field the current
// mapping indexes.
func current(idx bleve.Index) bool {
	im, ok := idx.Mapping().(*mapping.IndexMappingImpl)
	if !ok || im.DefaultMapping == nil {
		return false
	}
	for _, f := range []string{fieldUsername, fieldGrams, fieldName, fieldNameGram, fieldPicture, fieldVersion} {
		if p := im.DefaultMapping.Properties[f]; p == nil || len(p.Fields) == 0 {
			return false
		}
	}
	return true
}

// finishUpgrade restores dir from dir.old when a crash interrupted a swap,
// and removes what an interrupted rebuild left.
func finishUpgrade(dir string) error {
	old := dir + ".old"
	if _, err := os.Stat(old); err == nil {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			if err := os.Rename(old, dir); err != nil {
				return fmt.Errorf("restore %s after an interrupted upgrade: %w", old, err)
			}
		} else if err := os.RemoveAll(old); err != nil {
			return err
		}
	}
	return os.RemoveAll(dir + ".new")
}

// upgrade copies every document of idx (open on dir) into a new index
// with the current mapping, replaces dir with it and returns it open. idx
// is closed in every case.
func upgrade(dir string, idx bleve.Index) (bleve.Index, error) {
	fresh := dir + ".new"
	nidx, err := create(fresh)
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	copyErr := copyDocs(idx, nidx)
	closeErr := errors.Join(idx.Close(), nidx.Close())
	if err := errors.Join(copyErr, closeErr); err != nil {
		os.RemoveAll(fresh)
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	if err := os.Rename(dir, dir+".old"); err != nil {
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	if err := os.Rename(fresh, dir); err != nil {
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	if err := os.RemoveAll(dir + ".old"); err != nil {
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	return bleve.OpenUsing(dir, boltConfig())
}

// copyDocs writes every document of from into to, a page at a time in id
// order, with the fields the old mapping stored.
func copyDocs(from, to bleve.Index) error {
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), upgradePage, 0, false)
		req.Fields = []string{fieldUsername, fieldName, fieldPicture, fieldVersion}
		req.SortBy([]string{"_id"})
		req.SearchAfter = after
		res, err := from.Search(req)
		if err != nil {
			return fmt.Errorf("read users: %w", err)
		}
		if len(res.Hits) == 0 {
			return nil
		}
		batch := to.NewBatch()
		for _, h := range res.Hits {
			fields := map[string]any{}
			if u, ok := h.Fields[fieldUsername].(string); ok {
				fields[fieldUsername], fields[fieldGrams] = u, u
			}
			if n, ok := h.Fields[fieldName].(string); ok && n != "" {
				fields[fieldName], fields[fieldNameGram] = n, n
			}
			if p, ok := h.Fields[fieldPicture].(string); ok {
				fields[fieldPicture] = p
			}
			if v, ok := h.Fields[fieldVersion].(string); ok {
				fields[fieldVersion] = v
			}
			if err := batch.Index(h.ID, fields); err != nil {
				return fmt.Errorf("copy user %s: %w", h.ID, err)
			}
		}
		if err := to.Batch(batch); err != nil {
			return fmt.Errorf("write users: %w", err)
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}
