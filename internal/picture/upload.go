package picture

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/parleychat/parley/internal/errs"
)

// MaxUploadBody caps a picture upload request: the picture and the
// multipart framing around it. Mount upload routes behind
// httpapi.Limit(MaxUploadBody, …).
const MaxUploadBody = MaxBytes + 64<<10

// ReadUpload reads the one "picture" part of a multipart/form-data request
// body and skips any other part. A missing or repeated picture, or a body
// that is not multipart, is errs.Invalid; a picture over MaxBytes, or a
// body over the request's byte limit, is errs.TooLarge.
func ReadUpload(r *http.Request) ([]byte, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		return nil, errs.E(errs.UnsupportedMedia, "request body must be multipart/form-data with a picture field")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errs.E(errs.Invalid, "request body must be multipart/form-data with a picture field")
	}
	var data []byte
	found := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bodyError(err)
		}
		switch {
		case part.FormName() != "picture":
			_, err = io.Copy(io.Discard, part)
		case found:
			err = errs.Field("picture", "must be sent once")
		default:
			found = true
			data, err = io.ReadAll(io.LimitReader(part, MaxBytes+1))
			if err == nil && len(data) > MaxBytes {
				err = errs.E(errs.TooLarge, "picture: larger than %d bytes", MaxBytes)
			}
		}
		part.Close()
		if err != nil {
			return nil, bodyError(err)
		}
	}
	if !found {
		return nil, errs.Field("picture", "is required")
	}
	return data, nil
}

// bodyError classifies a failure to read an upload: too large, or not a
// well-formed multipart body.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errs.E(errs.TooLarge, "request body is larger than %d bytes", tooLarge.Limit)
	case errs.As(err) != nil:
		return err
	default:
		return errs.Wrap(errs.Invalid, err, "request body is not well-formed multipart/form-data")
	}
}
