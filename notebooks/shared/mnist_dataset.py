class MNISTDataset(Dataset):
    def __init__(self, images_dir_path: str,
                 description_csv_path: str):
        super().__init__()

        self.images_dir_path = images_dir_path
        self.description_df = pd.read_csv(description_csv_path,
                                          dtype={'image_name': str, 'label': int})

        # Каждая картинка декодируется один раз, здесь; эпохи дальше читают из памяти.
        paths = [Path(images_dir_path, f'{name}.png') for name in self.description_df['image_name']]
        self.images = np.stack([self._decode(path) for path in tqdm(paths, desc='PNG', leave=False)])
        self.labels = self.description_df['label'].to_numpy()

    def __len__(self):
        return len(self.description_df)

    def __getitem__(self, index):
        img = self.images[index].astype(np.float32)
        label = int(self.labels[index])

        return dict(sample=img, label=label)

    @staticmethod
    def _decode(img_path: Path):
        img = cv2.imread(str(img_path))
        if img is None:
            raise FileNotFoundError(f'{img_path}: нет такой картинки или она не читается')
        return np.transpose(img, (2, 0, 1))

    @staticmethod
    def _read_img(img_path: Path):
        img = cv2.imread(str(img_path.resolve()))
        img = img.astype(np.float32)
        img = np.transpose(img, (2, 0, 1))

        return img
