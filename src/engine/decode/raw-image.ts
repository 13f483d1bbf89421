/** A decoded photo: 8-bit RGB, row-major, after EXIF rotation. */
export interface RawImage {
  width: number;
  height: number;
  data: Uint8Array;
}
