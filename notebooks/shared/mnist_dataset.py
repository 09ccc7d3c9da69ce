class MNISTDataset(Dataset):
    def __init__(self, images_dir_path: str,
                 description_csv_path: str):
        super().__init__()

        self.images_dir_path = images_dir_path
        self.description_df = pd.read_csv(description_csv_path,
                                          dtype={'image_name': str, 'label': int})

        # Каждая картинка декодируется один раз, здесь; эпохи дальше читают из памяти. Как и в оригинале,
        # __getitem__ читает имя и лейбл из description_df: его можно перемешать или заменить.
        # Every image is decoded once, here; the epochs then read from memory. As in the original,
        # __getitem__ reads the name and the label from description_df: it may be shuffled or replaced.
        names = self.description_df['image_name']
        paths = [Path(images_dir_path, f'{name}.png') for name in names]
        self._cache = dict(zip(names, (self._decode(p) for p in tqdm(paths, desc='PNG', leave=False))))
        self._rows = None

    def __len__(self):
        return len(self.description_df)

    def __getitem__(self, index):
        names, labels = self._table()
        img = self._image(names[index]).astype(np.float32)
        label = int(labels[index])

        return dict(sample=img, label=label)

    def _table(self):
        df = self.description_df
        if self._rows is None or self._rows[0] is not df or self._rows[1] is not df.index:
            self._rows = (df, df.index, df['image_name'].to_numpy(), df['label'].to_numpy())
        return self._rows[2], self._rows[3]

    def _image(self, name):
        if name not in self._cache:
            self._cache[name] = self._decode(Path(self.images_dir_path, f'{name}.png'))
        return self._cache[name]

    @staticmethod
    def _decode(img_path: Path):
        img = cv2.imread(str(img_path))
        if img is None:
            raise FileNotFoundError(
                f'{img_path}: нет такой картинки или она не читается / '
                f'{img_path}: missing or unreadable')
        return np.transpose(img, (2, 0, 1))

    @staticmethod
    def _read_img(img_path: Path):
        img = cv2.imread(str(img_path.resolve()))
        img = img.astype(np.float32)
        img = np.transpose(img, (2, 0, 1))

        return img
